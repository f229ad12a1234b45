"""A scripted OpenAI-compatible endpoint: replies come from a script, not a model.

For testing harness logic (retries, budgets, malformed output, cost) and measuring harness overhead — never for
measuring an agent. It speaks the real HTTP protocol on loopback, so the real client and agents talk to it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Garbled:
    """A reply body that is not valid JSON (a broken proxy, a truncated stream)."""


@dataclass(frozen=True)
class Stall:
    """No answer for ``seconds`` (a hung server), then a reply that no one should be waiting for any more."""

    seconds: float


@dataclass(frozen=True)
class Refusal:
    """An HTTP error with the server's own words, e.g. 400 "maximum context length is 8192 tokens"."""

    status: int
    message: str


Reply = str | dict[str, Any] | int | Garbled | Stall | Refusal
"""Text for the assistant, a full message dict (e.g. with tool_calls), an HTTP status to fail with, or trouble."""


@dataclass
class ScriptedEndpoint:
    """Serves ``script(request_number, request_json) -> Reply`` at /v1/chat/completions.

    The first token comes ``delay_s`` after the request; a streamed reply then sends its ``tokens_per_reply``
    tokens ``token_delay_s`` apart, so time to first token and output speed are known in advance.
    ``usage=False`` leaves token usage out of every reply, as some servers do.
    """

    script: Callable[[int, dict[str, Any]], Reply]
    delay_s: float = 0.0
    tokens_per_reply: int = 10
    token_delay_s: float = 0.0
    usage: bool = True
    requests: list[dict[str, Any]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    _runner: web.AppRunner | None = None
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            reply = self.script(len(self.requests), body)
        finally:
            self.in_flight -= 1
        if isinstance(reply, Stall):
            await asyncio.sleep(reply.seconds)
            reply = "too late"
        if isinstance(reply, int):
            reply = Refusal(reply, f"scripted failure {reply}")
        if isinstance(reply, Refusal):
            return web.json_response({"error": {"message": reply.message}}, status=reply.status)
        if isinstance(reply, Garbled):
            return web.Response(text='{"choices": [{"mess', content_type="application/json")
        message = {"role": "assistant", "content": reply} if isinstance(reply, str) else reply
        prompt_tokens = sum(len(str(m.get("content") or "")) for m in body["messages"]) // 4
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": self.tokens_per_reply,
            "total_tokens": prompt_tokens + self.tokens_per_reply,
        }
        head = {"id": f"scripted-{len(self.requests)}", "created": int(time.time()), "model": body.get("model")}
        if body.get("stream"):
            return await self._stream(request, head, message, usage)
        whole = {"object": "chat.completion", "choices": [{"index": 0, "message": message, "finish_reason": "stop"}]}
        return web.json_response({**head, **whole, **({"usage": usage} if self.usage else {})})

    async def _stream(
        self, request: web.Request, head: dict[str, Any], message: dict[str, Any], usage: dict[str, Any]
    ) -> web.StreamResponse:
        """Server-sent events as OpenAI-compatible servers send them: deltas, then usage, then [DONE]."""
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)

        async def send(choices: list[dict[str, Any]], **extra: Any) -> None:
            event = {**head, "object": "chat.completion.chunk", "choices": choices, **extra}
            await response.write(f"data: {json.dumps(event)}\n\n".encode())

        text = str(message.get("content") or "")
        pieces = (
            [
                text[i * len(text) // self.tokens_per_reply : (i + 1) * len(text) // self.tokens_per_reply]
                for i in range(self.tokens_per_reply)
            ]
            if text
            else []
        )
        for i, piece in enumerate(pieces):
            if i and self.token_delay_s:
                await asyncio.sleep(self.token_delay_s)
            await send([{"index": 0, "delta": {"role": "assistant", "content": piece}}])
        if message.get("tool_calls"):
            calls = [{**call, "index": i} for i, call in enumerate(message["tool_calls"])]
            await send([{"index": 0, "delta": {"role": "assistant", "tool_calls": calls}}])
        await send([{"index": 0, "delta": {}, "finish_reason": "stop"}])
        if self.usage:
            await send([], usage=usage)
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    async def _models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "scripted", "object": "model"}]})

    async def __aenter__(self) -> ScriptedEndpoint:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        app.router.add_get("/v1/models", self._models)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def tool_call_message(name: str, arguments: dict[str, Any], call_id: str = "call-1") -> dict[str, Any]:
    """An assistant message carrying one native tool call, as an OpenAI-compatible server returns it."""
    return {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}
        ],
    }


async def _serve(reply: str, delay_s: float) -> None:
    async with ScriptedEndpoint(lambda n, body: reply, delay_s=delay_s) as endpoint:
        print(endpoint.base_url, flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":  # a scripted endpoint in its own process: `python -m solvemeter.agents.scripted REPLY`
    import sys

    asyncio.run(_serve(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 0.0))
