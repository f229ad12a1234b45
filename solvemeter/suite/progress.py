"""The driver's progress display: one bar for the run, one line per node that has finished episodes."""

from __future__ import annotations

from types import TracebackType

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from solvemeter.runs.records import EpisodeResult


class RunProgress:
    """Counts outcomes for the whole run and episodes per node (the local executor is one node, 'local')."""

    def __init__(self, run_id: str, *, total: int, done: int, enabled: bool) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[tally]}"),
            TimeElapsedColumn(),
            disable=not enabled,
            transient=False,
        )
        self._bar = self._progress.add_task(run_id, total=total, completed=done, tally="")
        self._nodes: dict[str, TaskID] = {}
        self.tally: dict[str, int] = {}
        self.per_node: dict[str, int] = {}

    def __enter__(self) -> RunProgress:
        self._progress.__enter__()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._progress.__exit__(kind, exc, tb)

    def finished(self, result: EpisodeResult, node: str) -> None:
        self.tally[result.outcome.value] = self.tally.get(result.outcome.value, 0) + 1
        self.per_node[node] = self.per_node.get(node, 0) + 1
        self._progress.update(self._bar, advance=1, tally=" ".join(f"{k}={v}" for k, v in sorted(self.tally.items())))
        if node not in self._nodes:
            self._nodes[node] = self._progress.add_task(f"  node {node}", total=None, tally="")
        self._progress.update(self._nodes[node], completed=self.per_node[node], tally="episodes")
