"""The null agent: submits nothing. Every task must score 0 for it, or the task grades nothing."""

from __future__ import annotations

from solvemeter.agents.base import AgentResult, ConfigValue, EpisodeContext
from solvemeter.runs.records import StopReason


class NullAgent:
    name = "null"
    model = "none"

    def config(self) -> dict[str, ConfigValue]:
        return {}

    async def solve(self, ctx: EpisodeContext) -> AgentResult:
        return AgentResult(StopReason.SUBMITTED, answer=None)
