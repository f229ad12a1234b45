"""Turning command-line choices into the objects a run needs: a sandbox backend, an agent, a pricer, a server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import StrEnum
from pathlib import Path

from solvemeter.agents.base import Agent, NoModel
from solvemeter.agents.null import NullAgent
from solvemeter.agents.oracle import OracleAgent
from solvemeter.errors import SolvemeterError
from solvemeter.runs.records import ModelRef
from solvemeter.sandboxes.base import SandboxBackend
from solvemeter.sandboxes.bwrap import BwrapBackend
from solvemeter.suite.executor import RunRequest
from solvemeter.tasks.models import Budget, Pack

MODEL_FREE_AGENTS: dict[str, type[OracleAgent] | type[NullAgent]] = {"oracle": OracleAgent, "null": NullAgent}


class SandboxChoice(StrEnum):
    bwrap = "bwrap"
    docker = "docker"
    auto = "auto"


def make_backend(choice: SandboxChoice | str) -> SandboxBackend:
    choice = SandboxChoice(choice)
    if choice is SandboxChoice.bwrap:
        return BwrapBackend()
    from solvemeter.sandboxes.docker import DockerBackend, docker_available

    if choice is SandboxChoice.docker or docker_available():
        return DockerBackend()
    return BwrapBackend()


@asynccontextmanager
async def make_run_request(
    *,
    packs: list[Pack],
    agent: str,
    model: str | None,
    base_url: str | None,
    sandbox: SandboxChoice,
    run_dir: Path,
    budget: Budget,
    epochs: int,
    concurrency: int,
    limit: int | None,
    no_cost: bool,
    prices: Path | None,
    retry_errors: bool,
    seed: int,
    gpus: int = 1,
    gpu_type: str = "default",
) -> AsyncIterator[RunRequest]:
    """A ready RunRequest; for model-driven agents the endpoint (and the local server, if used) lives this long."""
    common = dict(
        packs=packs,
        backend=make_backend(sandbox),
        run_dir=run_dir,
        budget=budget,
        epochs=epochs,
        concurrency=concurrency,
        limit=limit,
        retry_errors=retry_errors,
        seed=seed,
    )
    if agent in MODEL_FREE_AGENTS:
        if model is not None:
            raise SolvemeterError(f"the {agent} agent uses no model — drop --model")
        chosen: Agent = MODEL_FREE_AGENTS[agent]()
        yield RunRequest(agent=chosen, pricing=NoModel(), model=ModelRef(spec="none", endpoint_kind="none"), **common)  # type: ignore[arg-type]
        return
    from solvemeter.suite.endpoints import model_run_request

    async with model_run_request(
        agent=agent,
        model=model,
        base_url=base_url,
        no_cost=no_cost,
        prices=prices,
        common=common,
        gpus=gpus,
        gpu_type=gpu_type,
    ) as request:
        yield request
