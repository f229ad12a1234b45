"""A run's episodes as columns: the one pass over python objects; everything downstream is numpy.

Missing values have a fixed spelling: ``cost`` is NaN when the episode is unpriced, ``level`` and
``human_steps`` are -1 when the task carries none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

from solvemeter.runs.records import EpisodeResult, Outcome, StopReason

OUTCOMES: tuple[Outcome, ...] = tuple(Outcome)
INFRA = OUTCOMES.index(Outcome.INFRA_ERROR)
OUTCOME_INDEX = {outcome: i for i, outcome in enumerate(OUTCOMES)}
BUDGET_STOPS = frozenset(reason for reason in StopReason if reason.is_budget)

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]


@dataclass(frozen=True)
class EpisodeTable:
    pack: Ints
    """index into ``packs``"""
    task: Ints
    """index into ``tasks`` (one per (pack, task id))"""
    epoch: Ints
    outcome: Ints
    """index into ``OUTCOMES``"""
    resolved: Bools
    score: Floats
    steps: Ints
    input_tokens: Ints
    cached_input_tokens: Ints
    output_tokens: Ints
    cost: Floats
    wall: Floats
    budget_stop: Bools
    level: Ints
    human_steps: Ints
    packs: tuple[str, ...]
    tasks: tuple[tuple[str, str], ...]

    @classmethod
    def from_results(cls, results: Iterable[EpisodeResult]) -> EpisodeTable:
        rows = results if isinstance(results, (list, tuple)) else list(results)
        count = len(rows)
        keys = [(r.pack, r.task_id) for r in rows]
        task_index: dict[tuple[str, str], int] = {key: i for i, key in enumerate(dict.fromkeys(keys))}
        task = np.fromiter(map(task_index.__getitem__, keys), np.int64, count)
        pack_index: dict[str, int] = {}
        pack_of_task = np.array([pack_index.setdefault(p, len(pack_index)) for p, _ in task_index], dtype=np.int64)

        def ints(name: str, missing: int = -1) -> Ints:
            values = (getattr(r, name) for r in rows)
            return np.fromiter((missing if v is None else v for v in values), np.int64, count)

        def floats(name: str) -> Floats:
            values = (getattr(r, name) for r in rows)
            return np.fromiter((np.nan if v is None else v for v in values), np.float64, count)

        return cls(
            pack=pack_of_task[task] if count else np.zeros(0, dtype=np.int64),
            task=task,
            epoch=ints("epoch"),
            outcome=np.fromiter((OUTCOME_INDEX[r.outcome] for r in rows), np.int64, count),
            resolved=np.fromiter((r.resolved for r in rows), np.bool_, count),
            score=floats("score"),
            steps=ints("steps"),
            input_tokens=ints("input_tokens"),
            cached_input_tokens=ints("cached_input_tokens"),
            output_tokens=ints("output_tokens"),
            cost=floats("cost_usd"),
            wall=floats("wall_s"),
            budget_stop=np.fromiter((r.stop_reason in BUDGET_STOPS for r in rows), np.bool_, count),
            level=ints("level"),
            human_steps=ints("human_steps"),
            packs=tuple(pack_index),
            tasks=tuple(task_index),
        )

    def __len__(self) -> int:
        return len(self.pack)

    @property
    def valid(self) -> Bools:
        """Episodes that say something about the agent: everything but infra errors."""
        return self.outcome != INFRA

    @property
    def solved(self) -> Bools:
        return self.resolved & self.valid

    @property
    def priced(self) -> bool:
        """True when every episode has a cost; an unpriced episode is never counted as free."""
        return bool(len(self) > 0 and not np.isnan(self.cost).any())

    def where(self, mask: Bools) -> EpisodeTable:
        """The episodes where ``mask`` holds; pack and task indices keep their meaning."""
        arrays = {f.name: getattr(self, f.name)[mask] for f in fields(self) if f.name not in ("packs", "tasks")}
        return EpisodeTable(**arrays, packs=self.packs, tasks=self.tasks)

    def of_pack(self, name: str) -> EpisodeTable:
        return self.where(self.pack == self.packs.index(name))

    def task_codes(self) -> Ints:
        """Task indices renumbered 0..T−1 over the tasks present, for per-task sums."""
        _, codes = np.unique(self.task, return_inverse=True)
        return codes.astype(np.int64)
