"""Leaderboard JSON, schema ``solvemeter.leaderboard/1``: one entry per run, checkable against run directories.

Each entry carries the sha256 of its run's manifest file and a digest of the run's results, so anyone holding
the run directories can confirm that the numbers came from those runs (:func:`validate_leaderboard`).
The JSON Schema shipped in ``schemas/leaderboard.schema.json`` is generated from these models:
``python -m solvemeter.scoring.leaderboard`` rewrites it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
from pydantic import Field, ValidationError

from solvemeter import __version__
from solvemeter.errors import SolvemeterError
from solvemeter.runs.reading import MANIFEST_FILE, Run
from solvemeter.runs.records import EpisodeResult, PackRef
from solvemeter.scoring.stats import RESAMPLES, Interval
from solvemeter.scoring.summary import summarise
from solvemeter.scoring.table import EpisodeTable
from solvemeter.tasks.models import Budget, Frozen

LEADERBOARD_SCHEMA: Final = "solvemeter.leaderboard/1"
SCHEMA_FILE = Path(__file__).parent / "schemas" / "leaderboard.schema.json"


class LeaderboardError(SolvemeterError):
    """A leaderboard file is malformed or does not match the runs it claims to summarise."""


class DepthSummary(Frozen):
    """Steps (model calls) per valid episode."""

    median: float | None
    p90: float | None
    solved_median: float | None
    solved_p90: float | None


class TokenTotals(Frozen):
    input: int
    cached_input: int
    output: int


class LeaderboardEntry(Frozen):
    run_id: str
    model: str
    agent: str
    packs: tuple[PackRef, ...]
    budget: Budget
    epochs: int
    episodes: int
    valid_episodes: int
    """episodes without an infra error: the ones rates are computed on"""
    solved: int
    success: Interval | None
    """Wilson interval over valid episodes"""
    priced: bool
    cost_per_solved_usd: Interval | None
    """bootstrap over tasks; None when unpriced or nothing was solved"""
    total_cost_usd: float | None
    steps: DepthSummary
    tokens: TokenTotals
    manifest_sha256: str
    """sha256 of the run's manifest.json bytes"""
    results_digest: str
    """sha256 of the run's results in canonical form (see results_digest())"""
    network: str = "none"
    """the agent sandbox's network policy (none, any, allow=HOST[,HOST]) from the run's manifest"""
    pareto: bool = False
    """on the cost–success frontier: no other entry is both cheaper per solved task and at least as successful"""


class Leaderboard(Frozen):
    schema_: Literal["solvemeter.leaderboard/1"] = Field(default=LEADERBOARD_SCHEMA, alias="schema")
    suite_version: str
    entries: tuple[LeaderboardEntry, ...]


class LeaderboardCheck(Frozen):
    """What ``leaderboard validate`` found: every problem as a sentence."""

    file: str
    entries: int
    verified: tuple[str, ...]
    """run ids whose entry matches their run directory"""
    unchecked: tuple[str, ...]
    """entries for which no run directory was given"""
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def results_digest(results: Iterable[EpisodeResult]) -> str:
    """sha256 over the results sorted by (pack, task, epoch), one ``model_dump_json(by_alias=True)`` per line.

    Canonical: the order and spacing of results.jsonl do not matter, any change to a recorded value does.
    """
    digest = hashlib.sha256()
    for result in sorted(results, key=lambda r: r.key):
        digest.update(result.model_dump_json(by_alias=True).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def manifest_sha256(run: Run) -> str:
    return hashlib.sha256((run.path / MANIFEST_FILE).read_bytes()).hexdigest()


def build_entry(run: Run) -> LeaderboardEntry:
    """One run's entry, unmarked; the bootstrap is seeded with the run's seed, as in its report, so that
    anyone can rebuild the same numbers from the run directory."""
    table = EpisodeTable.from_results(run.results)
    summary = summarise(table, run.manifest.seed, RESAMPLES)
    steps = table.steps[table.valid]
    return LeaderboardEntry(
        run_id=run.run_id,
        model=run.manifest.model.spec,
        agent=run.manifest.agent.name,
        packs=run.manifest.packs,
        budget=run.manifest.budget,
        epochs=run.manifest.epochs,
        network=run.manifest.network,
        episodes=summary.episodes,
        valid_episodes=summary.valid_episodes,
        solved=summary.solved,
        success=summary.success,
        priced=summary.cost.priced,
        cost_per_solved_usd=summary.cost.per_solved_usd,
        total_cost_usd=summary.cost.total_usd,
        steps=DepthSummary(
            median=float(np.median(steps)) if len(steps) else None,
            p90=float(np.quantile(steps, 0.9)) if len(steps) else None,
            solved_median=summary.steps.solved.median,
            solved_p90=summary.steps.solved.p90,
        ),
        tokens=TokenTotals(
            input=summary.tokens.input, cached_input=summary.tokens.cached_input, output=summary.tokens.output
        ),
        manifest_sha256=manifest_sha256(run),
        results_digest=results_digest(run.results),
    )


def pareto_front(entries: list[LeaderboardEntry]) -> list[bool]:
    """Which entries no other entry beats on both cost per solved task (lower) and success (higher)."""
    points = [
        (e.cost_per_solved_usd.estimate, e.success.estimate) if e.cost_per_solved_usd and e.success else None
        for e in entries
    ]

    def dominated(p: tuple[float, float]) -> bool:
        return any(q is not None and q[0] <= p[0] and q[1] >= p[1] and q != p for q in points)

    return [p is not None and not dominated(p) for p in points]


def mark_pareto(entries: list[LeaderboardEntry]) -> tuple[LeaderboardEntry, ...]:
    ranked = sorted(entries, key=lambda e: (-(e.success.estimate if e.success else -1.0), e.run_id))
    front = pareto_front(ranked)
    return tuple(entry.model_copy(update={"pareto": on}) for entry, on in zip(ranked, front, strict=True))


def build_leaderboard(runs: Iterable[Run]) -> Leaderboard:
    """A leaderboard with one entry per run, best success first, the cost–success frontier marked."""
    return Leaderboard(suite_version=__version__, entries=mark_pareto([build_entry(run) for run in runs]))


def load_leaderboard(path: Path) -> Leaderboard:
    try:
        return Leaderboard.model_validate_json(Path(path).read_bytes())
    except FileNotFoundError:
        raise LeaderboardError(f"{path} does not exist — pass the file `leaderboard build --out` wrote") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise LeaderboardError(
            f"{path} is not a {LEADERBOARD_SCHEMA} file ({where}: {first['msg']}) — "
            "rebuild it with `solvemeter leaderboard build`"
        ) from None


def entry_problems(entry: LeaderboardEntry, run: Run) -> list[str]:
    """How an entry differs from what its run directory gives now; empty when they agree."""
    if entry.manifest_sha256 != manifest_sha256(run):
        return [f"{run.run_id}: manifest.json in {run.path} is not the one the entry was built from"]
    if entry.results_digest != results_digest(run.results):
        return [f"{run.run_id}: results.jsonl in {run.path} differs from the results the entry was built from"]
    rebuilt = build_entry(run).model_copy(update={"pareto": entry.pareto})
    if rebuilt != entry:
        changed = [name for name in LeaderboardEntry.model_fields if getattr(rebuilt, name) != getattr(entry, name)]
        return [f"{run.run_id}: entry fields {', '.join(changed)} do not match its run's results"]
    return []


def validate_leaderboard(path: Path, runs: Iterable[Run] = ()) -> LeaderboardCheck:
    """Check a leaderboard file: its schema, its Pareto marks, and every entry whose run directory is given."""
    board = load_leaderboard(path)
    runs = list(runs)
    by_id = {entry.run_id: entry for entry in board.entries}
    problems: list[str] = []
    expected = pareto_front(list(board.entries))
    problems += [
        f"{e.run_id}: marked pareto={e.pareto}, but the entries put it {'on' if on else 'off'} the frontier"
        for e, on in zip(board.entries, expected, strict=True)
        if e.pareto != on
    ]
    verified = []
    for run in runs:
        entry = by_id.get(run.run_id)
        if entry is None:
            problems.append(f"{run.run_id}: the run in {run.path} has no entry in the leaderboard")
            continue
        found = entry_problems(entry, run)
        problems += found
        if not found:
            verified.append(run.run_id)
    checked = {run.run_id for run in runs}
    return LeaderboardCheck(
        file=str(path),
        entries=len(board.entries),
        verified=tuple(verified),
        unchecked=tuple(e.run_id for e in board.entries if e.run_id not in checked),
        problems=tuple(problems),
    )


def leaderboard_json_schema() -> dict[str, Any]:
    schema = Leaderboard.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def render_json_schema() -> str:
    return json.dumps(leaderboard_json_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    SCHEMA_FILE.parent.mkdir(exist_ok=True)
    SCHEMA_FILE.write_text(render_json_schema())
    print(f"wrote {SCHEMA_FILE}")
