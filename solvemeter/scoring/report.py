"""The report of one run: per pack and overall, with intervals, step depth, cost and budget curves."""

from __future__ import annotations

from typing import Final, Literal

from pydantic import Field

from solvemeter.runs.reading import Run
from solvemeter.scoring.curves import BudgetCurves, curves_for
from solvemeter.scoring.stats import RESAMPLES
from solvemeter.scoring.summary import Summary, summarise
from solvemeter.scoring.table import EpisodeTable
from solvemeter.tasks.models import Budget, Frozen

REPORT_SCHEMA: Final = "solvemeter.report/1"


class PackReport(Frozen):
    name: str
    version: str
    kind: str
    summary: Summary


class RunReport(Frozen):
    """Everything ``solvemeter report`` shows; ``--json`` prints exactly this."""

    schema_: Literal["solvemeter.report/1"] = Field(default=REPORT_SCHEMA, alias="schema")
    run_id: str
    model: str
    agent: str
    budget: Budget
    epochs: int
    priced: bool
    seed: int
    """the bootstrap seed: the same run and seed give the same intervals"""
    packs: tuple[PackReport, ...]
    overall: Summary
    curves: BudgetCurves


def _pack_summary(table: EpisodeTable, name: str, overall: Summary, seed: int, n_resamples: int) -> Summary:
    if table.packs == (name,):  # a run of one pack is its own overall: no need to compute it twice
        return overall
    if name not in table.packs:  # declared, but no episode finished yet
        return summarise(table.where(table.pack < 0), seed, n_resamples)
    return summarise(table.of_pack(name), seed, n_resamples)


def build_report(run: Run, *, seed: int | None = None, n_resamples: int = RESAMPLES) -> RunReport:
    """Summarise a run per pack and overall. The bootstrap seed defaults to the run's own seed."""
    seed = run.manifest.seed if seed is None else seed
    table = EpisodeTable.from_results(run.results)
    overall = summarise(table, seed, n_resamples)
    declared = {ref.name: ref for ref in run.manifest.packs}
    packs = []
    for name in sorted(set(declared) | set(table.packs)):
        ref = declared.get(name)
        packs.append(
            PackReport(
                name=name,
                version=ref.version if ref else "unknown",
                kind=ref.kind if ref else "unknown",
                summary=_pack_summary(table, name, overall, seed, n_resamples),
            )
        )
    return RunReport(
        run_id=run.run_id,
        model=run.manifest.model.spec,
        agent=run.manifest.agent.name,
        budget=run.manifest.budget,
        epochs=run.manifest.epochs,
        priced=run.manifest.priced,
        seed=seed,
        packs=tuple(packs),
        overall=overall,
        curves=curves_for(table, run.manifest.budget),
    )
