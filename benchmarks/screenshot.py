"""Screenshots of the HTML report and leaderboard for the README, rendered in real headless Chromium, from real
run directories (not synthetic data).

    .venv/bin/python benchmarks/screenshot.py REPORT_RUN RUN [RUN ...]
        # writes docs/report-screenshot.png (REPORT_RUN's report) and docs/leaderboard-screenshot.png (all runs)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from solvemeter.runs.reading import load_run  # noqa: E402
from solvemeter.scoring.html import report_page  # noqa: E402
from solvemeter.scoring.leaderboard import build_leaderboard  # noqa: E402
from solvemeter.scoring.leaderboard_html import leaderboard_page  # noqa: E402
from solvemeter.scoring.markup import write_page  # noqa: E402
from solvemeter.scoring.report import build_report  # noqa: E402
from tests.scoring.chromium import CHROMIUM, render  # noqa: E402

DOCS = ROOT / "docs"


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    if not CHROMIUM.exists():
        sys.exit(f"error: {CHROMIUM} is missing — apt-get install -y chromium")
    report_run = load_run(sys.argv[1])
    runs = [load_run(path) for path in sys.argv[2:]]
    with tempfile.TemporaryDirectory() as tmp:
        for name, html, height in (
            ("report", report_page(build_report(report_run)), 2000),
            ("leaderboard", leaderboard_page(build_leaderboard(runs)), 1100),
        ):
            page = write_page(Path(tmp) / f"{name}.html", html)
            rendered = render(page, DOCS / f"{name}-screenshot.png", height=height)
            if rendered.returncode or rendered.console_problems:
                sys.exit(f"error: chromium failed on {name}: {rendered.console_problems or rendered.stderr[-500:]}")
            print(f"wrote {rendered.screenshot}")


if __name__ == "__main__":
    main()
