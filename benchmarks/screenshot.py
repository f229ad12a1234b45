"""Screenshots of the HTML report and leaderboard for the README, rendered in real headless Chromium.

    .venv/bin/python benchmarks/screenshot.py   # writes docs/report-screenshot.png, docs/leaderboard-screenshot.png

The runs are synthetic (benchmarks/report_scale.py makes them), so the pictures show layout, not results.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from report_scale import synthesise_run  # noqa: E402

from solvemeter.scoring.html import leaderboard_page, report_page, write_page  # noqa: E402
from solvemeter.scoring.leaderboard import build_leaderboard  # noqa: E402
from solvemeter.scoring.report import build_report  # noqa: E402
from solvemeter.tasks.runs import load_run  # noqa: E402
from tests.scoring.chromium import CHROMIUM, render  # noqa: E402

DOCS = ROOT / "docs"
MODELS = (  # model, agent, skill, price relative to the first
    ("openai/gpt-4.1-mini", "react", 0.3, 0.4),
    ("openai/gpt-4.1", "react", 1.2, 2.0),
    ("vllm/qwen2.5-coder-32b", "react", 0.6, 0.3),
    ("local/qwen2.5-coder-0.5b", "react", -1.5, 0.05),
    ("openai/gpt-4.1", "planner", 1.5, 2.6),
)


def main() -> None:
    if not CHROMIUM.exists():
        sys.exit(f"error: {CHROMIUM} is missing — apt-get install -y chromium")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        runs = [
            load_run(
                synthesise_run(
                    root / f"run-{i}", 600, epochs=3, seed=i, skill=skill, model=model, agent=agent, price=price
                )
            )
            for i, (model, agent, skill, price) in enumerate(MODELS)
        ]
        for name, html, height in (
            ("report", report_page(build_report(runs[0])), 2000),
            ("leaderboard", leaderboard_page(build_leaderboard(runs)), 1000),
        ):
            page = write_page(root / f"{name}.html", html)
            rendered = render(page, DOCS / f"{name}-screenshot.png", height=height)
            if rendered.returncode or rendered.console_problems:
                sys.exit(f"error: chromium failed on {name}: {rendered.console_problems or rendered.stderr[-500:]}")
            print(f"wrote {rendered.screenshot}")


if __name__ == "__main__":
    main()
