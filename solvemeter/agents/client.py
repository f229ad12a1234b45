"""One client for every model: the OpenAI chat-completions protocol, spoken directly over aiohttp with streaming.

The agents keep LangChain messages and a LangGraph loop; only the transport is ours, because the SDK's request
preparation cost more per step than the rest of the harness together (benchmarks/README.md). Replies are
streamed so that each call records its time to first token and its output speed.

What can go wrong, and whose fault it is (docs/outcomes.md):

- refused or reset connections, 429, 5xx, a reply that is not valid JSON, no answer within ``timeout_s``: the
  endpoint's own trouble. Retried with backoff; what still fails raises ``EndpointError`` (``infra_error``).
- any other 4xx: the request itself was refused, ``EndpointRefused`` (``agent_error``); a prompt longer than the
  model's context is ``ContextLengthExceeded`` (``budget_exhausted``, stop reason ``context_length``).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import aiohttp
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from solvemeter.errors import EndpointError, SolvemeterError

API_KEY_VARIABLES = ("SOLVEMETER_API_KEY", "OPENAI_API_KEY")
CONTEXT_OVERFLOW = re.compile(
    r"context.{0,20}(length|window)|maximum context|context_length_exceeded|too many tokens|prompt is too long"
    r"|exceeds? the (available )?context",
    re.IGNORECASE,
)


class EndpointRefused(SolvemeterError):
    """The endpoint answered 4xx: it understood the request and refused it. The agent's episode ends in
    ``agent_error``; retrying the same request would get the same answer."""


class ContextLengthExceeded(EndpointRefused):
    """The prompt no longer fits the model's context: the episode ran out of room, a budget of its own."""


class _Transient(Exception):
    """One failed attempt worth retrying."""


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
    """The successful attempt, request to last byte."""
    ttft_s: float | None = None
    """Request to the first generated token (content or tool call)."""
    generation_s: float | None = None
    """First generated token to the last; output tokens over this is the model's speed (None: one piece)."""
    usage_reported: bool = True
    """False when the endpoint sent no ``usage``: the token counts are then zeros, not measurements."""

    @property
    def text(self) -> str:
        content = self.message.content
        return content if isinstance(content, str) else "".join(str(c) for c in content)


def api_key() -> str:
    """The key from the environment; self-hosted servers accept any, so a placeholder is fine there."""
    return next((os.environ[v] for v in API_KEY_VARIABLES if os.environ.get(v)), "not-needed")


def wire_message(message: BaseMessage) -> dict[str, Any]:
    """A LangChain message as the chat-completions protocol writes it."""
    content = message.content if isinstance(message.content, str) else str(message.content)
    if isinstance(message, AIMessage):
        wire: dict[str, Any] = {"role": "assistant", "content": content}
        if message.tool_calls:
            wire["tool_calls"] = [
                {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": json.dumps(c["args"])}}
                for c in message.tool_calls
            ]
        return wire
    if isinstance(message, ToolMessage):
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": content}
    if isinstance(message, SystemMessage):
        return {"role": "system", "content": content}
    if isinstance(message, HumanMessage):
        return {"role": "user", "content": content}
    raise TypeError(f"no chat-completions role for {type(message).__name__}")


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
        self.base_url = base_url.rstrip("/")
        self.temperature = temperature
        self.max_output_tokens = max_output_tokens
        self.timeout_s = timeout_s
        self.attempts = attempts
        self.max_backoff_s = max_backoff_s
        self.seed = seed
        self._headers = {"Authorization": f"Bearer {api_key()}", "Accept": "text/event-stream"}
        self._sessions: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = {}
        self._holders: list[AsyncIterator[aiohttp.ClientSession]] = []

    def config(self) -> dict[str, str | int | float | bool | None]:
        """What changes the model's replies or the client's patience: part of the agent's config hash."""
        return {
            "model": str(self.spec),
            "temperature": self.temperature,
            "max_output_tokens": self.max_output_tokens,
            "call_timeout_s": self.timeout_s,
            "attempts": self.attempts,
            "seed": self.seed,
        }

    async def _session(self) -> aiohttp.ClientSession:
        """One pooled connection set per event loop (a client object may outlive an ``asyncio.run``)."""
        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None or session.closed:
            holder = _session_for_this_loop()
            session = self._sessions[loop] = await anext(holder)
            self._holders.append(holder)
        return session

    def request_body(self, messages: list[BaseMessage], tools: list[dict[str, Any]] | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.spec.name,
            "messages": [wire_message(m) for m in messages],
            "temperature": self.temperature,
            "max_completion_tokens": self.max_output_tokens,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if self.seed is not None:
            body["seed"] = self.seed
        if tools:
            body["tools"] = tools
        return body

    async def complete(self, messages: list[BaseMessage], tools: list[dict[str, Any]] | None = None) -> Completion:
        body = self.request_body(messages, tools)
        failure = ""
        for attempt in range(1, self.attempts + 1):
            try:
                async with asyncio.timeout(self.timeout_s):
                    return await self._attempt(body)
            except TimeoutError:
                failure = f"no answer within {self.timeout_s:g}s"
            except _Transient as exc:
                failure = str(exc)
            if attempt < self.attempts:
                await asyncio.sleep(min(self.max_backoff_s, 0.5 * 2**attempt) * random.uniform(0.5, 1.0))
        raise EndpointError(
            f"{self.spec} at {self.base_url} kept failing after {self.attempts} attempts ({failure}) — "
            "check that the server is up"
        )

    async def _attempt(self, body: dict[str, Any]) -> Completion:
        session = await self._session()
        started = time.monotonic()
        try:
            async with session.post(f"{self.base_url}/chat/completions", json=body, headers=self._headers) as response:
                if response.status >= 400:
                    raise self._refusal(response.status, (await response.read()).decode(errors="replace"))
                reply = _Reply(started)
                if response.content_type == "application/json":
                    reply.whole(_json(await response.read()))  # a server that does not stream
                else:
                    await reply.read_events(response.content)
        except aiohttp.ClientError as exc:  # refused, reset, broken streams
            raise _Transient(f"{type(exc).__name__}: {exc}") from exc
        return reply.completion()

    def _refusal(self, status: int, text: str) -> Exception:
        text = text[:500]
        if status == 429 or status >= 500:
            return _Transient(f"HTTP {status}: {text}")
        where = f"{self.spec} at {self.base_url}"
        if status == 413 or CONTEXT_OVERFLOW.search(text):
            return ContextLengthExceeded(f"{where}: the prompt exceeds the model's context (HTTP {status})")
        return EndpointRefused(f"{where} refused the request (HTTP {status}: {text})")


async def _session_for_this_loop() -> AsyncIterator[aiohttp.ClientSession]:
    """A session that lives as long as its event loop: asyncio closes the async generators still open when the
    loop shuts down, so the session's connections are closed without every caller having to."""
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=60)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=None)) as session:
        yield session


def _json(data: str | bytes) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except ValueError as exc:
        raise _Transient(f"the reply is not valid JSON: {str(data)[:80]!r}") from exc
    if not isinstance(value, dict):
        raise _Transient(f"the reply is not a JSON object: {str(data)[:80]!r}")
    return value


class _Reply:
    """A streamed reply put back together: text, tool calls by index, usage, and when tokens arrived."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.first_token: float | None = None
        self.last_token: float | None = None
        self.token_chunks = 0
        self.text: list[str] = []
        self.calls: dict[int, dict[str, str]] = {}
        self.usage: dict[str, Any] | None = None
        self.choices_seen = False

    def chunk(self, data: dict[str, Any]) -> None:
        if data.get("usage"):
            self.usage = data["usage"]
        for choice in data.get("choices") or ():
            self.choices_seen = True
            delta = choice.get("delta") or {}
            if delta.get("content") or delta.get("tool_calls"):
                self.last_token = time.monotonic()
                self.first_token = self.first_token or self.last_token
                self.token_chunks += 1
            if delta.get("content"):
                self.text.append(delta["content"])
            for call in delta.get("tool_calls") or ():
                slot = self.calls.setdefault(
                    int(call.get("index", len(self.calls))), {"id": "", "name": "", "args": ""}
                )
                slot["id"] = call.get("id") or slot["id"]
                function = call.get("function") or {}
                slot["name"] += function.get("name") or ""
                slot["args"] += function.get("arguments") or ""

    async def read_events(self, stream: aiohttp.StreamReader) -> None:
        """Server-sent ``data: {...}`` lines, taken from pieces of any size, read to the end of the stream (so
        that the connection goes back to the pool)."""
        pending = b""
        async for piece in stream.iter_any():
            pending += piece
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if line.startswith(b"data:") and (data := line[5:].strip()) != b"[DONE]":
                    self.chunk(_json(data))

    def whole(self, data: dict[str, Any]) -> None:
        """A non-streamed completion: one message, read as a single delta."""
        message = ((data.get("choices") or [{}])[0]).get("message") or {}
        calls = [{**c, "index": i} for i, c in enumerate(message.get("tool_calls") or ())]
        self.chunk({"usage": data.get("usage"), "choices": [{"delta": {**message, "tool_calls": calls}}]})

    def _generation_s(self) -> float | None:
        """First token to last; a reply that came in one piece says nothing about the model's speed."""
        if self.first_token is None or self.last_token is None or self.token_chunks < 2:
            return None
        return self.last_token - self.first_token

    def completion(self) -> Completion:
        if not self.choices_seen:
            raise _Transient("the reply carried no choices")
        ended = time.monotonic()
        tool_calls, invalid = [], []
        for index, call in sorted(self.calls.items()):
            try:
                args = json.loads(call["args"] or "{}")
                if not isinstance(args, dict):
                    raise ValueError("arguments are not a JSON object")
                tool_calls.append({"name": call["name"], "args": args, "id": call["id"] or f"call-{index}"})
            except ValueError as exc:
                invalid.append({"name": call["name"], "args": call["args"], "id": call["id"], "error": str(exc)})
        usage = self.usage or {}
        details = usage.get("prompt_tokens_details") or {}
        return Completion(
            message=AIMessage("".join(self.text), tool_calls=tool_calls, invalid_tool_calls=invalid),
            input_tokens=int(usage.get("prompt_tokens") or 0),
            cached_input_tokens=int(details.get("cached_tokens") or 0),
            output_tokens=int(usage.get("completion_tokens") or 0),
            latency_s=ended - self.started,
            ttft_s=None if self.first_token is None else self.first_token - self.started,
            generation_s=self._generation_s(),
            usage_reported=self.usage is not None,
        )
