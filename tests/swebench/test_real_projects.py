"""Real projects, built as SWE-bench builds its instances (tests/swebench/real_projects.py): consecutive releases
of pure-Python projects from the package index, validated by running their own tests. Gold resolves, empty does
not. pluggy reads its version from git tags (setuptools-scm): it installs only from a real git checkout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.swebench.factories import write_jsonl
from tests.swebench.real_projects import Project, instance_row
from tests.swebench.test_evaluate import solvemeter

PLUGGY = Project("pytest-dev/pluggy", "pluggy", "1.4.0", "1.5.0", "src", "testing", ("setuptools-scm>=8",))
MORE_ITERTOOLS = Project(
    "more-itertools/more-itertools", "more-itertools", "10.2.0", "10.3.0", ".", "tests", ("flit_core>=3.2,<4",)
)
PROJECTS = (PLUGGY, MORE_ITERTOOLS)


@pytest.mark.slow
def test_real_project_instances_resolve_with_gold_and_not_with_empty(tmp_path: Path) -> None:
    rows = [instance_row(project, tmp_path) for project in PROJECTS]
    assert all(json.loads(row["FAIL_TO_PASS"]) for row in rows)  # each release fixes something its tests check
    instances = write_jsonl(tmp_path / "real.jsonl", rows)
    reports = {}
    for predictions in ("gold", "empty"):
        args = ["--predictions", predictions, "--repos", str(tmp_path / "mirrors"), "--json"]
        done = solvemeter(
            "swebench", "evaluate", "--instances", str(instances), *args, "--run-dir", str(tmp_path / predictions)
        )
        assert done.exit_code == 0, done.output
        reports[predictions] = json.loads(done.stdout)
    ids = sorted(row["instance_id"] for row in rows)
    assert reports["gold"]["resolved_ids"] == ids, _episodes(tmp_path / "gold")
    assert reports["empty"]["resolved_ids"] == [] and reports["empty"]["empty_patch_ids"] == ids


def _episodes(run_dir: Path) -> str:
    """What each graded episode recorded: outcome, integrity flags and notes, the log's tail (for a failure)."""
    lines = (run_dir / "results.jsonl").read_text().splitlines()
    return "\n".join(
        f"{r['task_id']}: {r['outcome']} {r.get('integrity')} {(r.get('grade') or {}).get('integrity_notes')} "
        f"{(r.get('grade') or {}).get('log_tail', '')[-1500:]}"
        for r in map(json.loads, lines)
    )
