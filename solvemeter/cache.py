"""Where solvemeter keeps what it builds once and reuses: environments, images' inputs, model weights."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def cache_root() -> Path:
    """``$SOLVEMETER_CACHE``, else the user's cache directory."""
    root = Path(os.environ.get("SOLVEMETER_CACHE") or platformdirs.user_cache_dir("solvemeter"))
    root.mkdir(parents=True, exist_ok=True)
    return root
