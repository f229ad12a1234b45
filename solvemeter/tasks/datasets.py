"""Where SWE-bench rows come from: a local file (.json, .jsonl, .parquet), or a dataset named on a hub (or its
files as the hub holds them, in a local directory).

A name is one of swebench's own aliases (``lite``, ``verified``, ``full``, ``multilingual``, ``multimodal``) or
any Hugging Face dataset id (``owner/name``), read with ``--split`` at a pinned ``--revision`` through the
``datasets`` library, which caches what it downloads (under solvemeter's cache). Without a revision, the
dataset's current commit is looked up first and pinned, so the run records exactly what it read. Parquet files
go through the same library; JSON and JSONL are read directly. Whatever the source, the rows are the same
dicts, and the content hash is taken over the file's bytes or, for a hub dataset, the rows themselves.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solvemeter.cache import cache_root
from solvemeter.errors import PackError
from solvemeter.tasks.models import DatasetRef

FILE_SUFFIXES = (".json", ".jsonl", ".parquet")
DEFAULT_SPLIT = "test"
EXTRA_ALIASES = {"lite": "SWE-bench/SWE-bench_Lite"}
"""swebench 5's CLI aliases lack Lite, which its dataset loader still knows by this name."""


@dataclass(frozen=True)
class Rows:
    rows: list[tuple[str, Any]]
    """(where, row): ``line 3``, ``item 0``, ``row 12``: for error messages."""
    ref: DatasetRef
    stem: str
    """What the pack is named after: the file's stem, or the dataset's name (plus the split, if not test)."""


def aliases() -> dict[str, str]:
    from swebench.cli._datasets import DATASET_ALIASES

    return {**EXTRA_ALIASES, **DATASET_ALIASES}


def resolve_name(name: str) -> str:
    return aliases().get(name.strip().lower(), name)


def is_dataset_source(source: str | Path) -> bool:
    """A local rows file, or a name that is an alias or looks like a hub id (and is no local directory)."""
    path = Path(source)
    if path.suffix in FILE_SUFFIXES:
        return path.is_file()
    if path.is_dir():  # a dataset's files as the hub holds them (a downloaded snapshot), not a pack
        return not (path / "pack.toml").exists() and any([*path.glob("*.parquet"), *path.glob("data/*.parquet")])
    text = str(source)
    if path.exists():
        return False
    return text.strip().lower() in aliases() or (text.count("/") == 1 and not text.startswith((".", "/")))


def load_rows(source: str | Path, *, split: str | None = None, revision: str | None = None) -> Rows:
    path = Path(source)
    if path.suffix in FILE_SUFFIXES:
        if not path.is_file():
            raise PackError(f"{path}: no such file — pass a SWE-bench instances file (.json, .jsonl or .parquet)")
        digest = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
        rows = _parquet_rows(path) if path.suffix == ".parquet" else _json_rows(path)
        return Rows(rows, DatasetRef(id=str(path), content_hash=digest), path.stem)
    return _hub_rows(resolve_name(str(source)), split or DEFAULT_SPLIT, revision)


def _parquet_rows(path: Path) -> list[tuple[str, Any]]:
    import datasets

    datasets.disable_progress_bars()  # a local file: no download to follow
    try:
        table = datasets.load_dataset("parquet", data_files=str(path), split="train", cache_dir=_cache())
    except Exception as exc:  # the library raises many kinds (arrow, file system, schema)
        raise PackError(f"{path}: not a readable parquet file ({type(exc).__name__}: {exc}) — check the file") from None
    finally:
        datasets.enable_progress_bars()
    return [(f"row {i}", row) for i, row in enumerate(table)]


def _cache() -> str:
    path = cache_root() / "datasets"
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


def _hub_rows(dataset_id: str, split: str, revision: str | None) -> Rows:
    import datasets

    try:
        pinned = revision or (None if Path(dataset_id).is_dir() else _current_revision(dataset_id))
        table = datasets.load_dataset(dataset_id, split=split, revision=pinned, cache_dir=_cache())
    except PackError:
        raise
    except Exception as exc:  # no hub, unknown dataset or split, gated dataset without a token
        reason = " ".join(str(exc).split())[:300]
        raise PackError(
            f"could not load dataset {dataset_id} (split {split}, revision {revision or 'latest'}): {reason} — "
            "check the name, --split and --revision; without a reachable hub, export the rows to a .parquet or "
            ".jsonl file where one is reachable and pass that file (or set HF_ENDPOINT to a mirror)"
        ) from None
    rows = [(f"row {i}", row) for i, row in enumerate(table)]
    digest = hashlib.sha256(json.dumps([r for _, r in rows], sort_keys=True, default=str).encode()).hexdigest()
    stem = dataset_id.split("/")[-1] + ("" if split == DEFAULT_SPLIT else f"-{split}")
    return Rows(rows, DatasetRef(id=dataset_id, split=split, revision=pinned, content_hash=f"sha256:{digest}"), stem)


def download_snapshot(dataset_id: str, *, folder: str, revision: str | None, fix: str) -> tuple[Path, str | None]:
    """The hub dataset's files under ``folder``, downloaded once into solvemeter's cache (a gated dataset takes
    the token huggingface_hub reads from HF_TOKEN), and the commit they were read at. ``fix`` ends the error."""
    import huggingface_hub

    try:
        path = huggingface_hub.snapshot_download(
            dataset_id, repo_type="dataset", revision=revision, allow_patterns=[f"{folder}/*"], cache_dir=_cache()
        )
    except Exception as exc:  # no hub, no token, terms not accepted, unknown revision: the library raises many kinds
        reason = " ".join(str(exc).split())[:300] or type(exc).__name__
        raise PackError(
            f"could not download dataset {dataset_id} ({folder}, revision {revision or 'latest'}): {reason} — {fix}"
        ) from None
    # The cache keeps each download under snapshots/<commit>: that commit is what the run records.
    commit = Path(path).name
    return Path(path), commit if re.fullmatch(r"[0-9a-f]{40}", commit) else revision


def _current_revision(dataset_id: str) -> str | None:
    """The dataset's current commit on the hub (None offline, where the cache answers for the latest one)."""
    if os.environ.get("HF_DATASETS_OFFLINE") == "1" or os.environ.get("HF_HUB_OFFLINE") == "1":
        return None
    from huggingface_hub import HfApi

    sha = HfApi().dataset_info(dataset_id).sha
    return str(sha) if sha else None


def _json_rows(path: Path) -> list[tuple[str, Any]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".jsonl" and text.lstrip().startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PackError(f"{path}: bad JSON ({exc}) — fix the syntax") from None
        return [(f"item {i}", row) for i, row in enumerate(data)]
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                rows.append((f"line {number}", json.loads(line)))
            except json.JSONDecodeError as exc:
                raise PackError(f"{path}: line {number} is not JSON ({exc}) — JSONL holds one object a line") from None
    return rows
