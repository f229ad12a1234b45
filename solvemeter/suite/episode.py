"""One episode, top to bottom: workspace → agent sandbox → submission → fresh grading sandbox → EpisodeResult.

The agent's sandbox holds only what the agent may see. Grading happens in a second sandbox built from a clean
copy of the task, so nothing the agent left behind (besides its diff or answer) can influence the verdict.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import tempfile
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from solvemeter.agents.base import Agent, AgentResult, EpisodeContext, EpisodeMeter, Pricer
from solvemeter.errors import EndpointError, SandboxError
from solvemeter.runs.records import EpisodeResult, Outcome, QaGrade, StopReason, SweGrade
from solvemeter.runs.trajectory import Trajectory
from solvemeter.sandboxes.base import Limits, Sandbox, SandboxBackend, SandboxSpec
from solvemeter.scoring.qa import grade_qa
from solvemeter.scoring.swe import grade_swe
from solvemeter.scoring.swebench import grade_swebench
from solvemeter.tasks.models import Budget, Pack, QaTask, SweTask

GIT_IDENTITY = ["-c", "user.name=solvemeter", "-c", "user.email=solvemeter@localhost", "-c", "commit.gpgsign=false"]
IGNORED_IN_DIFF = "__pycache__/\n*.pyc\n.pytest_cache/\n"
INFRA_FAILURES = (SandboxError, EndpointError, OSError, subprocess.CalledProcessError)
"""The harness's and the endpoint's own faults: infra_error, retried. Anything else raised by an agent is its own."""
WALL_GRACE_S = 30.0
"""Past max_wall_s the agent is given this long to stop on its own before the episode is cut off."""


@dataclass(frozen=True)
class EpisodePlan:
    run_id: str
    pack: Pack
    task: SweTask | QaTask
    epoch: int
    budget: Budget
    limits: Limits
    hidden: tuple[Path, ...]
    """Host paths the agent must never see (the pack, the run directory), masked if a mount would show them."""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def prepare_workspace(task: SweTask | QaTask, workspace: Path) -> str | None:
    """Lay out what the agent sees; for swe, commit it so the submission is a diff. Returns the base commit."""
    if isinstance(task, QaTask):
        shutil.copytree(task.files, workspace / "files")
        return None
    shutil.copytree(task.repo, workspace, dirs_exist_ok=True)
    git = ["git", "-C", str(workspace), *GIT_IDENTITY]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    (workspace / ".git" / "info" / "exclude").write_text(IGNORED_IN_DIFF)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "--no-verify", "-m", "task start"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True)
    return head.stdout.strip()


async def extract_diff(sandbox: Sandbox, base: str) -> str:
    """The agent's change as a diff against the starting commit, computed inside its sandbox."""
    result = await sandbox.exec(f"git add -A >/dev/null 2>&1; git diff --cached --binary {base}", timeout=60)
    return result.stdout if result.ok else ""


async def _run_agent(agent: Agent, ctx: EpisodeContext) -> AgentResult:
    wall = ctx.meter.budget.max_wall_s
    try:
        if wall is None:
            return await agent.solve(ctx)
        try:
            return await asyncio.wait_for(agent.solve(ctx), wall + WALL_GRACE_S)
        except TimeoutError:
            return AgentResult(StopReason.MAX_WALL)
    except INFRA_FAILURES:
        raise
    except Exception as exc:  # a bug in the agent's own code is the agent's outcome (docs/outcomes.md)
        error = "".join(traceback.format_exception(exc))[-4000:]
        return AgentResult(StopReason.AGENT_ERROR, error=error)


async def _discard(grading: asyncio.Task[Sandbox] | None) -> None:
    """Close the grading sandbox if the episode ended before grading used it (close is idempotent)."""
    if grading is None:
        return
    grading.cancel()
    with contextlib.suppress(Exception, asyncio.CancelledError):
        sandbox = await grading
        await sandbox.close()


def _outcome(resolved: bool, stop: AgentResult) -> Outcome:
    if resolved:
        return Outcome.SOLVED
    if stop.stop_reason is StopReason.AGENT_ERROR:
        return Outcome.AGENT_ERROR
    if stop.stop_reason.is_budget:
        return Outcome.BUDGET_EXHAUSTED
    return Outcome.FAILED


class Episode:
    """Runs one planned episode with one agent on one sandbox backend."""

    def __init__(self, plan: EpisodePlan, agent: Agent, backend: SandboxBackend, pricer: Pricer) -> None:
        self.plan = plan
        self.agent = agent
        self.backend = backend
        self.meter = EpisodeMeter(budget=plan.budget, pricer=pricer)
        self.started_at = now()

    def _spec(self, workspace: Path) -> SandboxSpec:
        p = self.plan
        env = p.pack.environment_for(p.task)
        return SandboxSpec(workspace, env, run_id=p.run_id, label=p.task.id, limits=p.limits, hidden=p.hidden)

    async def run(self) -> tuple[EpisodeResult, Trajectory]:
        with tempfile.TemporaryDirectory(prefix=f"solvemeter-{self.plan.task.id}-") as scratch:
            grading = self._open_grading_sandbox(Path(scratch) / "grade")
            try:
                stop, submission = await self._act(Path(scratch) / "agent")
                grade = await self._grade(grading, submission)
            except INFRA_FAILURES as exc:
                stop = AgentResult(StopReason.INFRA_ERROR, error=f"{type(exc).__name__}: {exc}")
                return self._finish(stop, None, None, Outcome.INFRA_ERROR)
            finally:
                await _discard(grading)
        return self._finish(stop, submission, grade, _outcome(grade.resolved, stop))

    async def _act(self, workspace: Path) -> tuple[AgentResult, str | None]:
        workspace.mkdir()
        base = await asyncio.to_thread(prepare_workspace, self.plan.task, workspace)
        sandbox = await self.backend.open(self._spec(workspace))
        try:
            stop = await _run_agent(self.agent, EpisodeContext(self.plan.task, sandbox, self.meter))
            if stop.stop_reason is StopReason.INFRA_ERROR:
                raise SandboxError(stop.error or "the agent reported an infrastructure failure")
            submission = await extract_diff(sandbox, base) if base is not None else stop.answer
        finally:
            await sandbox.close()
        return stop, submission

    def _open_grading_sandbox(self, workspace: Path) -> asyncio.Task[Sandbox] | None:
        """swe: a clean copy of the repository in its own sandbox, opened while the agent works so that its
        start-up (a container's, under Docker) costs the episode no wall time. The agent cannot reach it."""
        task = self.plan.task
        if isinstance(task, QaTask):
            return None

        async def open_clean_copy() -> Sandbox:
            workspace.mkdir()
            await asyncio.to_thread(shutil.copytree, task.repo, workspace, dirs_exist_ok=True)
            return await self.backend.open(self._spec(workspace))

        return asyncio.create_task(open_clean_copy())

    async def _grade(self, grading: asyncio.Task[Sandbox] | None, submission: str | None) -> SweGrade | QaGrade:
        task = self.plan.task
        if isinstance(task, QaTask):
            return grade_qa(submission, task.spec.answer)
        assert grading is not None, "swe episodes always open a grading sandbox"
        sandbox = await grading
        grade = grade_swe if task.swebench is None else grade_swebench
        try:
            return await grade(task, submission or "", sandbox)
        finally:
            await sandbox.close()

    def crashed(self, exc: Exception) -> tuple[EpisodeResult, Trajectory]:
        """The record of an episode that an unexpected exception ended: infra_error, with the traceback and
        whatever steps and cost it had already spent."""
        error = "".join(traceback.format_exception(exc))[-4000:]
        return self._finish(AgentResult(StopReason.INFRA_ERROR, error=error), None, None, Outcome.INFRA_ERROR)

    def _finish(
        self, stop: AgentResult, submission: str | None, grade: SweGrade | QaGrade | None, outcome: Outcome
    ) -> tuple[EpisodeResult, Trajectory]:
        p, m = self.plan, self.meter
        m.close()
        trajectory = Trajectory(
            run_id=p.run_id,
            task_id=p.task.id,
            pack=p.pack.name,
            epoch=p.epoch,
            agent=self.agent.name,
            model=self.agent.model,
            steps=tuple(m.steps),
            actions=tuple(m.actions),
            stop_reason=stop.stop_reason,
            submission=submission,
            error=stop.error,
        )
        result = EpisodeResult(
            run_id=p.run_id,
            task_id=p.task.id,
            pack=p.pack.name,
            pack_version=p.pack.version,
            epoch=p.epoch,
            agent=self.agent.name,
            model=self.agent.model,
            outcome=outcome,
            resolved=outcome is Outcome.SOLVED,
            score=grade.score if grade else 0.0,
            steps=len(m.steps),
            tool_calls=m.tool_calls,
            invalid_actions=m.invalid_actions,
            input_tokens=m.input_tokens,
            cached_input_tokens=m.cached_input_tokens,
            output_tokens=m.output_tokens,
            cost_usd=m.cost_usd,
            wall_s=round(m.elapsed_s, 3),
            stop_reason=stop.stop_reason,
            started_at=self.started_at,
            finished_at=now(),
            error=stop.error,
            level=p.task.level,
            difficulty=p.task.difficulty,
            human_steps=p.task.human_steps,
            grade=grade,
            trajectory=f"trajectories/{p.pack.name}/{p.task.id}.{p.epoch}.json",
            timing=m.timing(),
        )
        return result, trajectory
