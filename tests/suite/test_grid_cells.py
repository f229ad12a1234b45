"""`solvemeter grid` runs its cells at once, each an ordinary resumable run in its own directory."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

from solvemeter.runs.reading import load_run
from tests.factories import make_swe_pack


def span(run_dir: Path) -> tuple[datetime, datetime]:
    results = load_run(run_dir).results
    return (
        min(datetime.fromisoformat(r.started_at) for r in results),
        max(datetime.fromisoformat(r.finished_at) for r in results),
    )


def test_grid_cells_run_at_once_within_the_shared_concurrency(tmp_path: Path) -> None:
    pack = make_swe_pack(tmp_path / "tiny", tasks=2)
    grid = [sys.executable, "-m", "solvemeter", "grid", "--pack", str(pack), "--agents", "oracle,null"]
    done = subprocess.run(
        [*grid, "--concurrency", "4", "--grid-dir", str(tmp_path / "grid")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    oracle, null = tmp_path / "grid" / "none__oracle__steps-default", tmp_path / "grid" / "none__null__steps-default"
    assert [r.resolved for r in load_run(oracle).results] == [True, True]
    assert [r.resolved for r in load_run(null).results] == [False, False]
    (oracle_start, oracle_end), (null_start, null_end) = span(oracle), span(null)
    assert oracle_start < null_end and null_start < oracle_end, "the two cells' episodes overlapped in time"
    assert "cell 1/2" in done.stdout and "cell 2/2" in done.stdout
