"""Reading a run directory: its manifest and its finished episodes.

Writing lives in ``solvemeter.runs.store``; reading is shared by every area that reports on runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from solvemeter.errors import RunError
from solvemeter.runs.records import EpisodeResult, RunManifest

MANIFEST_FILE = "manifest.json"
RESULTS_FILE = "results.jsonl"
TRAJECTORIES_DIR = "trajectories"


@dataclass(frozen=True)
class Run:
    path: Path
    manifest: RunManifest
    results: tuple[EpisodeResult, ...]

    @property
    def run_id(self) -> str:
        return self.manifest.run_id


def read_manifest(run_dir: Path) -> RunManifest:
    path = run_dir / MANIFEST_FILE
    if not path.is_file():
        raise RunError(f"{run_dir} is not a run directory (no {MANIFEST_FILE}) — pass the directory a run wrote")
    try:
        return RunManifest.model_validate_json(path.read_text())
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"]
        raise RunError(f"{path} is not a valid run manifest ({reason}) — was it edited by hand?") from None


def read_results(run_dir: Path) -> tuple[EpisodeResult, ...]:
    """Every complete line, once per (pack, task, epoch); a torn last line from a crash is ignored."""
    path = run_dir / RESULTS_FILE
    if not path.exists():
        return ()
    latest: dict[tuple[str, str, int], EpisodeResult] = {}
    lines = path.read_bytes().split(b"\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            result = EpisodeResult.model_validate(json.loads(line))
        except (json.JSONDecodeError, ValidationError) as exc:
            if number == len(lines):  # the unterminated tail of an interrupted write
                continue
            raise RunError(f"{path}:{number} is not an episode record ({exc}) — the file was altered") from None
        latest[result.key] = result
    return tuple(latest.values())


def load_run(run_dir: Path | str) -> Run:
    run_dir = Path(run_dir)
    return Run(path=run_dir, manifest=read_manifest(run_dir), results=read_results(run_dir))
