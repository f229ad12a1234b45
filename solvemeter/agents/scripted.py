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

Reply = str | dict[str, Any] | int
"""Text for the assistant, a full message dict (e.g. with tool_calls), or an HTTP status to fail with."""


@dataclass
class ScriptedEndpoint:
    """Serves ``script(request_number, request_json) -> Reply`` at /v1/chat/completions after ``delay_s``."""

    script: Callable[[int, dict[str, Any]], Reply]
    delay_s: float = 0.0
    tokens_per_reply: int = 10
    requests: list[dict[str, Any]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    _runner: web.AppRunner | None = None
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def _completions(self, request: web.Request) -> web.Response:
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
        if isinstance(reply, int):
            return web.json_response({"error": {"message": f"scripted failure {reply}"}}, status=reply)
        message = {"role": "assistant", "content": reply} if isinstance(reply, str) else reply
        prompt_tokens = sum(len(str(m.get("content") or "")) for m in body["messages"]) // 4
        return web.json_response(
            {
                "id": f"scripted-{len(self.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "scripted"),
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": self.tokens_per_reply,
                    "total_tokens": prompt_tokens + self.tokens_per_reply,
                },
            }
        )

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
