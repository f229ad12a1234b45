"""One real episode with the real local model (xllamacpp serving Qwen2.5-Coder 0.5B on the CPU)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from solvemeter.agents.weights import list_models
from solvemeter.runs.reading import load_run

pytestmark = [pytest.mark.model, pytest.mark.slow]


@pytest.fixture(scope="module", autouse=True)
def weights_pulled() -> None:
    if not any(m.pulled for m in list_models() if m.default):
        pytest.fail("the default local model is not pulled — `make test` pulls it; run `solvemeter model pull`")


def test_a_real_episode_records_steps_tokens_and_cost_that_agree_with_its_trajectory(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "solvemeter",
            "run",
            "--pack",
            "swe-mini",
            "--model",
            "local/qwen2.5-coder-0.5b",
            "--agent",
            "shell",
            "--max-steps",
            "3",
            "--limit",
            "1",
            "--concurrency",
            "1",
            "--run-dir",
            str(run_dir),
        ],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    run = load_run(run_dir)
    (result,) = run.results
    assert result.outcome.value in {"solved", "failed", "budget_exhausted", "agent_error"}, result.error
    assert run.manifest.model.serving["engine"] == "xllamacpp"
    trajectory = json.loads((run_dir / result.trajectory).read_text())
    steps = trajectory["steps"]
    assert 1 <= result.steps == len(steps) <= 3
    assert result.input_tokens == sum(s["input_tokens"] for s in steps) > 0
    assert result.output_tokens == sum(s["output_tokens"] for s in steps) > 0
    assert result.tool_calls == sum(len(s["tool_calls"]) for s in steps)
    assert result.cost_usd is not None and result.cost_usd > 0, "CPU time is priced, never a silent zero"
    assert sum(s["cost_usd"] for s in steps) <= result.cost_usd + 1e-12
    assert steps[0]["messages_in"][0]["role"] == "system" and steps[0]["reply"]
