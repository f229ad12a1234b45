"""Load a page in real headless Chromium: its screenshot and what its console said."""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CONSOLE_PROBLEM = re.compile(r"CONSOLE.*|Uncaught.*")


@dataclass(frozen=True)
class Rendered:
    returncode: int
    stderr: str
    screenshot: Path

    @property
    def console_problems(self) -> list[str]:
        """Every console message and uncaught error; a page without script should have none."""
        return CONSOLE_PROBLEM.findall(self.stderr)


def render(page: Path, screenshot: Path, width: int = 1280, height: int = 2000, timeout_s: float = 90) -> Rendered:
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        done = subprocess.run(
            [
                str(CHROMIUM),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--no-first-run",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--enable-logging=stderr",
                "--v=0",
                f"--screenshot={screenshot}",
                f"--window-size={width},{height}",
                page.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    return Rendered(done.returncode, done.stderr, screenshot)


def dump_dom(page: Path, timeout_s: float = 90) -> str:
    """The page's DOM after its scripts ran, as Chromium serialises it."""
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        done = subprocess.run(
            [
                str(CHROMIUM),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                f"--user-data-dir={profile}",
                "--window-size=1280,2000",
                "--dump-dom",
                page.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=True,
        )
    return done.stdout
