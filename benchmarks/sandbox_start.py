"""Sandbox start-up: open a sandbox and run its first command, Docker next to bubblewrap, in one run.

Target: Docker's median under 0.6 s. Images are built (or found) before timing; closing is timed apart.
Uses the engine DOCKER_HOST names, else starts the same private dockerd the tests use.

    .venv/bin/python benchmarks/sandbox_start.py [--repeats 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from solvemeter.cache import cache_root
from solvemeter.sandboxes.base import Limits, SandboxBackend, SandboxSpec
from solvemeter.sandboxes.bwrap import BwrapBackend
from solvemeter.sandboxes.docker import DockerBackend
from solvemeter.sandboxes.engine import PrivateEngine, docker_available
from solvemeter.tasks.models import Environment

TARGET_DOCKER_S = 0.6


async def measure(backend: SandboxBackend, workspace: Path, repeats: int) -> tuple[list[float], list[float]]:
    """Seconds to open + first command, and seconds to close, for each of ``repeats`` sandboxes."""
    spec = SandboxSpec(workspace, Environment(), run_id="bench", label="start", limits=Limits())
    await backend.prepare(spec.environment)
    warm = await backend.open(spec)  # the first one pays for caches that every later one shares
    await warm.exec("true", timeout=30)
    await warm.close()
    starts, closes = [], []
    for _ in range(repeats):
        began = time.perf_counter()
        sandbox = await backend.open(spec)
        result = await sandbox.exec("echo ready", timeout=30)
        starts.append(time.perf_counter() - began)
        assert result.stdout == "ready\n", result
        began = time.perf_counter()
        await sandbox.close()
        closes.append(time.perf_counter() - began)
    return starts, closes


def row(name: str, starts: list[float], closes: list[float], ratio: str) -> list[str]:
    p90 = statistics.quantiles(starts, n=10)[-1] if len(starts) >= 2 else starts[0]
    cells = [statistics.median(starts), p90, min(starts), statistics.median(closes)]
    return [name, *(f"{v * 1000:.0f} ms" for v in cells), ratio]


async def main(repeats: int) -> None:
    engine = None
    if not docker_available():
        engine = PrivateEngine.start(cache_root() / "dockerd")
        os.environ["DOCKER_HOST"] = engine.host
    try:
        with tempfile.TemporaryDirectory(prefix="solvemeter-bench-") as scratch:
            bwrap = await measure(BwrapBackend(), Path(scratch), repeats)
            docker = await measure(DockerBackend(), Path(scratch), repeats)
    finally:
        if engine is not None:
            engine.stop()
    ratio = statistics.median(docker[0]) / statistics.median(bwrap[0])
    table = Table(
        "backend",
        "start+first command (median)",
        "p90",
        "min",
        "close (median)",
        "vs bwrap",
        title=f"sandbox start-up, {repeats} sandboxes each",
    )
    table.add_row(*row("bwrap", *bwrap, "1.0×"))
    table.add_row(*row("docker", *docker, f"{ratio:.1f}×"))
    console = Console()
    console.print(table)
    median = statistics.median(docker[0])
    verdict = "meets" if median < TARGET_DOCKER_S else "MISSES"
    console.print(f"docker median {median:.3f} s {verdict} the {TARGET_DOCKER_S} s target")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=20)
    asyncio.run(main(parser.parse_args().repeats))
