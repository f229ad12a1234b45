"""The oracle: applies the task's reference solution. It proves a task solvable and its grading sound."""

from __future__ import annotations

from solvemeter.agents.base import AgentResult, ConfigValue, EpisodeContext, tool_call
from solvemeter.runs.records import StopReason
from solvemeter.sandboxes.base import WORKSPACE
from solvemeter.tasks.models import SweTask


class OracleAgent:
    """The only agent allowed to read a task's hidden material: that is its purpose."""

    name = "oracle"
    model = "none"

    def config(self) -> dict[str, ConfigValue]:
        return {}

    async def solve(self, ctx: EpisodeContext) -> AgentResult:
        task = ctx.task
        if isinstance(task, SweTask):
            await ctx.sandbox.copy_in(task.solution_patch, "/tmp/solution.patch")
            command = "git apply /tmp/solution.patch"
            result = await ctx.sandbox.exec(command, timeout=60)
            ctx.meter.record_action(tool_call("bash", {"command": command}, result.output, exit_code=result.exit_code))
            return AgentResult(StopReason.SUBMITTED, error=None if result.ok else f"patch failed: {result.output}")
        await ctx.sandbox.copy_in(task.solution_program, "/tmp/solution.py")
        command = f"cd {WORKSPACE} && python /tmp/solution.py"
        result = await ctx.sandbox.exec(command, timeout=task.spec.timeout_s)
        ctx.meter.record_action(tool_call("bash", {"command": command}, result.output, exit_code=result.exit_code))
        lines = result.stdout.strip().splitlines()
        if not result.ok or not lines:
            return AgentResult(StopReason.SUBMITTED, error=f"solution.py failed: {result.output[-500:]}")
        return AgentResult(StopReason.SUBMITTED, answer=lines[-1].strip())
