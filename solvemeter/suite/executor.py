"""Plans a run, resumes it, and runs its episodes concurrently (asyncio, with a limit) into the run store."""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

import solvemeter
from solvemeter.agents.base import Agent, Pricing
from solvemeter.runs.reading import Run, load_run
from solvemeter.runs.records import AgentRef, EpisodeResult, ModelRef, Outcome, PackRef, RunManifest, SandboxRef
from solvemeter.runs.store import RunStore
from solvemeter.runs.trajectory import Trajectory
from solvemeter.sandboxes.base import Limits, SandboxBackend
from solvemeter.suite.episode import Episode, EpisodePlan, now
from solvemeter.tasks.models import Budget, Pack


@dataclass
class RunRequest:
    packs: list[Pack]
    agent: Agent
    backend: SandboxBackend
    pricing: Pricing
    run_dir: Path
    model: ModelRef
    budget: Budget = field(default_factory=Budget)
    """Overrides each pack's default budgets."""
    epochs: int = 1
    concurrency: int = 4
    limit: int | None = None
    seed: int = 0
    limits: Limits = field(default_factory=Limits)
    retry_errors: bool = False
    """Re-run episodes whose recorded outcome is infra_error."""
    infra_attempts: int = 2
    priced: bool = True
    progress: bool = True
    on_result: Callable[[EpisodeResult], None] | None = None


def config_hash(config: dict[str, object]) -> str:
    return "sha256:" + hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:16]


def plan_episodes(request: RunRequest, run_id: str) -> list[EpisodePlan]:
    return [
        EpisodePlan(
            run_id=run_id,
            pack=pack,
            task=task,
            epoch=epoch,
            budget=pack.manifest.budgets.merged(request.budget),
            limits=request.limits,
            hidden=(pack.root, request.run_dir),
        )
        for pack in request.packs
        for task in pack.tasks[: request.limit]
        for epoch in range(1, request.epochs + 1)
    ]


def build_manifest(request: RunRequest, run_id: str, plans: list[EpisodePlan], envs: dict[str, str]) -> RunManifest:
    config = request.agent.config()
    return RunManifest(
        run_id=run_id,
        suite_version=solvemeter.__version__,
        packs=tuple(
            PackRef(
                name=p.name,
                version=p.version,
                content_hash=p.content_hash,
                kind=p.kind.value,
                **(
                    {"dataset": p.dataset.id, "split": p.dataset.split, "revision": p.dataset.revision}
                    if p.dataset
                    else {}
                ),
            )
            for p in request.packs
        ),
        model=request.model,
        agent=AgentRef(name=request.agent.name, config_hash=config_hash(dict(config)), config=config),
        budget=request.packs[0].manifest.budgets.merged(request.budget),
        price_table_version=request.pricing.version,
        priced=request.priced,
        sandbox=SandboxRef(
            backend=request.backend.name, image_digest=request.backend.image_digest(), environments=envs
        ),
        epochs=request.epochs,
        seed=request.seed,
        limit=request.limit,
        task_ids=tuple(sorted({f"{p.pack.name}/{p.task.id}" for p in plans})),
        host=socket.gethostname(),
        started_at=now(),
    )


async def _episode_with_retries(request: RunRequest, plan: EpisodePlan) -> tuple[EpisodeResult, Trajectory]:
    """Infra errors are retried; what still fails is recorded as infra_error, never as the agent's failure."""
    for attempt in range(1, request.infra_attempts + 1):
        pricer = request.pricing.for_episode(f"{plan.pack.name}/{plan.task.id}/{plan.epoch}/{attempt}")
        episode = Episode(plan, request.agent, request.backend, pricer)
        try:
            result, trajectory = await episode.run()
        except Exception as exc:  # a bug in an agent or the harness must not take the other episodes down
            result, trajectory = episode.crashed(exc)
        result = result.model_copy(update={"attempts": attempt})
        if result.outcome is not Outcome.INFRA_ERROR:
            break
        await asyncio.sleep(min(2**attempt, 10) * random.random())
    return result, trajectory


async def execute(request: RunRequest) -> Run:
    """Run (or resume) everything ``request`` asks for; returns the run as stored."""
    run_id = request.run_dir.name
    plans = plan_episodes(request, run_id)
    await request.backend.reap()
    envs = {p.name: await request.backend.prepare(p.manifest.environment) for p in request.packs}
    store = RunStore(request.run_dir)
    manifest = store.open(build_manifest(request, run_id, plans, envs))
    done = store.finished(retry_errors=request.retry_errors)
    pending = [p for p in plans if (p.pack.name, p.task.id, p.epoch) not in done]
    gate = asyncio.Semaphore(request.concurrency)

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[tally]}"),
        TimeElapsedColumn(),
        disable=not request.progress,
        transient=False,
    ) as progress:
        bar = progress.add_task(run_id, total=len(plans), completed=len(plans) - len(pending), tally="")
        tally: dict[str, int] = {}

        async def one(plan: EpisodePlan) -> None:
            async with gate:
                result, trajectory = await _episode_with_retries(request, plan)
            store.append(result, trajectory)
            tally[result.outcome.value] = tally.get(result.outcome.value, 0) + 1
            progress.update(bar, advance=1, tally=" ".join(f"{k}={v}" for k, v in sorted(tally.items())))
            if request.on_result:
                request.on_result(result)

        await asyncio.gather(*(one(p) for p in pending))
    store.write_manifest(manifest.model_copy(update={"finished_at": now()}))
    return load_run(request.run_dir)
