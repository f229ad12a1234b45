"""One client for every model: the OpenAI chat-completions protocol, through langchain-openai.

Transient endpoint failures (connection refused or reset, timeouts, 429, 5xx) are retried with backoff and a
cap; what still fails raises EndpointError, which the episode records as infra_error, never as the model's fault.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import openai
from langchain_core.messages import AIMessage, BaseMessage
from langchain_openai import ChatOpenAI
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from solvemeter.errors import EndpointError, SolvemeterError

TRANSIENT = (
    openai.APIConnectionError,  # includes APITimeoutError: refused, reset, timed out
    openai.RateLimitError,
    openai.InternalServerError,
)
API_KEY_VARIABLES = ("SOLVEMETER_API_KEY", "OPENAI_API_KEY")


class EndpointKind(StrEnum):
    LOCAL = "local"
    VLLM = "vllm"
    OPENAI = "openai"


@dataclass(frozen=True)
class ModelSpec:
    """``local/<name>``, ``vllm/<served-name>`` or ``openai/<name>``."""

    kind: EndpointKind
    name: str

    @classmethod
    def parse(cls, spec: str) -> ModelSpec:
        kind, sep, name = spec.partition("/")
        if not sep or not name or kind not in EndpointKind.__members__.values():
            raise SolvemeterError(
                f"model '{spec}' is not a model spec — write local/<name>, vllm/<served-name> or openai/<name>"
            )
        return cls(EndpointKind(kind), name)

    def __str__(self) -> str:
        return f"{self.kind.value}/{self.name}"


@dataclass(frozen=True)
class Completion:
    message: AIMessage
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int
    latency_s: float

    @property
    def text(self) -> str:
        content = self.message.content
        return content if isinstance(content, str) else "".join(str(c) for c in content)


def api_key() -> str:
    """The key from the environment; self-hosted servers accept any, so a placeholder is fine there."""
    return next((os.environ[v] for v in API_KEY_VARIABLES if os.environ.get(v)), "not-needed")


class ChatClient:
    def __init__(
        self,
        spec: ModelSpec,
        base_url: str,
        *,
        temperature: float = 0.0,
        max_output_tokens: int = 512,
        timeout_s: float = 300.0,
        attempts: int = 5,
        max_backoff_s: float = 30.0,
        seed: int | None = None,
    ) -> None:
        self.spec = spec
        self.base_url = base_url
        self.attempts = attempts
        self.max_backoff_s = max_backoff_s
        self.llm = ChatOpenAI(
            model=spec.name,
            base_url=base_url,
            api_key=api_key(),
            temperature=temperature,  # type: ignore[arg-type]
            max_completion_tokens=max_output_tokens,
            timeout=timeout_s,
            max_retries=0,
            seed=seed,
        )

    async def complete(self, messages: list[BaseMessage], tools: list[Any] | None = None) -> Completion:
        runnable: Any = self.llm.bind_tools(tools) if tools else self.llm
        started = time.monotonic()
        try:
            async for attempt in AsyncRetrying(
                retry=retry_if_exception_type(TRANSIENT),
                stop=stop_after_attempt(self.attempts),
                wait=wait_exponential_jitter(multiplier=0.5, max=self.max_backoff_s),
                reraise=True,
            ):
                with attempt:
                    started = time.monotonic()
                    reply = await runnable.ainvoke(messages)
        except TRANSIENT as exc:
            raise EndpointError(
                f"{self.spec} at {self.base_url} kept failing after {self.attempts} attempts ({type(exc).__name__}: "
                f"{exc}) — check that the server is up"
            ) from exc
        except openai.APIStatusError as exc:
            raise EndpointError(
                f"{self.spec} at {self.base_url} refused the request ({exc}) — check the model name and key"
            ) from exc
        usage = reply.usage_metadata or {}
        details = usage.get("input_token_details") or {}
        return Completion(
            message=reply,
            input_tokens=int(usage.get("input_tokens", 0)),
            cached_input_tokens=int(details.get("cache_read", 0) or 0),
            output_tokens=int(usage.get("output_tokens", 0)),
            latency_s=time.monotonic() - started,
        )
