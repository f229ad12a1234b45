"""Where solvemeter keeps what it builds once and reuses: environments, images' inputs, model weights."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

CACHE_ENV = "SOLVEMETER_CACHE"


def cache_root() -> Path:
    """``$SOLVEMETER_CACHE``, else the user's cache directory."""
    root = Path(os.environ.get(CACHE_ENV) or platformdirs.user_cache_dir("solvemeter")).expanduser()
    root.mkdir(parents=True, exist_ok=True)
    return root
