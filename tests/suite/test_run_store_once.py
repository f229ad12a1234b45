"""The run store records each (pack, task, epoch) once, and only one driver writes a run directory at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from solvemeter.errors import RunError
from solvemeter.runs.records import Outcome, StopReason
from solvemeter.runs.store import RunStore
from solvemeter.runs.trajectory import Trajectory
from tests.scoring.synthetic import make_episode, make_manifest


def trajectory_of(task_id: str) -> Trajectory:
    return Trajectory(
        run_id="run",
        task_id=task_id,
        pack="swe-mini",
        epoch=1,
        agent="react",
        model="openai/test-model",
        steps=(),
        stop_reason=StopReason.SUBMITTED,
    )


def test_a_second_completion_of_a_recorded_episode_is_dropped_and_counted(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "run")
    store.open(make_manifest())
    store.finished()
    first = make_episode("t1", trajectory="trajectories/swe-mini/t1.1.json")
    retried = make_episode("t1", Outcome.FAILED, attempts=2, trajectory="trajectories/swe-mini/t1.1.json")
    assert store.append(first, trajectory_of("t1")) is True
    assert store.append(retried, trajectory_of("t1")) is False
    assert store.duplicates == 1
    lines = (tmp_path / "run" / "results.jsonl").read_text().splitlines()
    assert len(lines) == 1 and '"outcome":"solved"' in lines[0]
    store.close()


def test_episodes_recorded_before_a_resume_count_as_recorded(tmp_path: Path) -> None:
    first = RunStore(tmp_path / "run")
    first.open(make_manifest())
    first.finished()
    first.append(make_episode("t1"), trajectory_of("t1"))
    first.close()
    resumed = RunStore(tmp_path / "run")
    resumed.open(make_manifest())
    assert resumed.finished() == {("swe-mini", "t1", 1)}
    assert resumed.append(make_episode("t1"), trajectory_of("t1")) is False
    assert resumed.append(make_episode("t2"), trajectory_of("t2")) is True
    resumed.close()


def test_a_second_driver_on_the_same_run_directory_is_refused(tmp_path: Path) -> None:
    running = RunStore(tmp_path / "run")
    running.open(make_manifest())
    with pytest.raises(RunError, match="another driver is running"):
        RunStore(tmp_path / "run").open(make_manifest())
    running.close()
    RunStore(tmp_path / "run").open(make_manifest())  # free again once the first driver is done
