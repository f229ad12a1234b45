"""The run store: manifest.json, results.jsonl (append + fsync), trajectories/.

A results line is written only after its trajectory, and only when the episode is complete, so a run killed at
any moment (kill -9 included) leaves at most one torn last line; opening the store again cuts it off, and the
planner re-runs exactly the episodes that have no line.

Exactly once: one driver at a time writes a run directory (an advisory lock held while the store is open, released
by the kernel if the driver is killed), and an episode is keyed by (pack, task, epoch): a second completion of a
key that is already recorded (a retried attempt that finished too) is dropped and counted, never appended.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

from solvemeter.errors import RunError
from solvemeter.runs.reading import MANIFEST_FILE, RESULTS_FILE, read_manifest, read_results
from solvemeter.runs.records import EpisodeResult, Outcome, RunManifest
from solvemeter.runs.trajectory import Trajectory


def write_atomic(path: Path, data: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(path)


LOCK_FILE = ".driver.lock"

EpisodeKey = tuple[str, str, int]


def differences(old: object, new: object, where: str = "") -> list[str]:
    """The dotted names of the fields that differ, as deep as both sides are mappings (e.g. sandbox.backend)."""
    if isinstance(old, dict) and isinstance(new, dict):
        return sorted(
            name
            for key in old.keys() | new.keys()
            for name in differences(old.get(key), new.get(key), f"{where}.{key}" if where else str(key))
        )
    return [where] if old != new else []


class RunStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.results_path = path / RESULTS_FILE
        self.duplicates = 0
        """Completions dropped because their (pack, task, epoch) was already recorded."""
        self._recorded: set[EpisodeKey] = set()
        self._lock: int | None = None

    def open(self, manifest: RunManifest) -> RunManifest:
        """Start a new run here, or resume the one that is here if it asked for exactly the same work.

        The manifest's executor is the one now running it: a run may be resumed on another executor."""
        self.path.mkdir(parents=True, exist_ok=True)
        self._take_lock()
        try:
            manifest = self._resumable(manifest)
            self._repair_tail()
            self.write_manifest(manifest)
        except BaseException:
            self.close()  # a refused or failed open leaves the directory free for the next driver
            raise
        return manifest

    def _resumable(self, manifest: RunManifest) -> RunManifest:
        """``manifest`` for a new run; the stored one when the directory holds the same work, else an error."""
        if not (self.path / MANIFEST_FILE).exists():
            return manifest
        existing = read_manifest(self.path)
        if existing.plan_key() != manifest.plan_key():
            changed = differences(existing.plan_key(), manifest.plan_key())
            raise RunError(
                f"{self.path} holds a different run (changed: {', '.join(changed)}) — "
                "resume it with the same options, or pass a new --run-dir"
            )
        return existing.model_copy(update={"finished_at": None, "executor": manifest.executor})

    def _take_lock(self) -> None:
        fd = os.open(self.path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RunError(
                f"another driver is running {self.path} — wait for it to finish (or stop it), then resume"
            ) from None
        self._lock = fd

    def close(self) -> None:
        if self._lock is not None:
            os.close(self._lock)  # closing the descriptor releases the lock
            self._lock = None

    def write_manifest(self, manifest: RunManifest) -> None:
        write_atomic(self.path / MANIFEST_FILE, manifest.model_dump_json(by_alias=True, indent=2))

    def _repair_tail(self) -> None:
        """Cut a torn last line (a write interrupted by a crash) so the next append starts clean."""
        if not self.results_path.exists():
            return
        data = self.results_path.read_bytes()
        if data and not data.endswith(b"\n"):
            with self.results_path.open("r+b") as f:
                f.truncate(data.rfind(b"\n") + 1)
                os.fsync(f.fileno())

    def finished(self, *, retry_errors: bool = False) -> set[EpisodeKey]:
        """(pack, task, epoch) pairs that need no new episode; completions of these are duplicates from now on."""
        done = {r.key for r in read_results(self.path) if not (retry_errors and r.outcome is Outcome.INFRA_ERROR)}
        self._recorded = set(done)
        return done

    def append(self, result: EpisodeResult, trajectory: Trajectory) -> bool:
        """Record a completed episode and its trajectory; False (and counted) if its key was already recorded."""
        if result.key in self._recorded:
            self.duplicates += 1
            return False
        self._recorded.add(result.key)
        if result.trajectory:
            write_atomic(self.path / result.trajectory, trajectory.model_dump_json(by_alias=True, indent=1))
        line = json.dumps(result.model_dump(mode="json", by_alias=True), separators=(",", ":")) + "\n"
        fd = os.open(self.results_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        return True
