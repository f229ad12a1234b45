"""Start-up: how long a user waits for `solvemeter --help`, `pack list` and a one-task run, whole process.

Each command runs as its own process, alternating with the others (and with a baseline checkout, if given) so
that a busy machine slows all of them alike; the median of ``--repeats`` rounds is printed against the target.
Beside the wall time, the CPU time (user + sys) of the process and its children: on a shared machine it stays
close to what the wall time would be on a quiet one, since start-up is single-threaded work.

    .venv/bin/python benchmarks/startup.py [--repeats 7] [--baseline /path/to/an/older/checkout]

The one-task runs use a one-question pack written here: the oracle (no model), and the shell agent against a
scripted endpoint in its own process (replies come from a script, not a model) that answers at once.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"--help": 0.5, "pack list": 0.5, "run oracle, 1 task": 2.5, "run shell + endpoint, 1 task": 2.5}


def write_pack(root: Path) -> Path:
    task = root / "tasks" / "count-lines"
    (task / "files").mkdir(parents=True)
    (root / "pack.toml").write_text(
        'name = "startup"\nversion = "1.0.0"\nkind = "qa"\nlicense = "MIT"\ndescription = "one question"\n'
    )
    (task / "task.toml").write_text('level = 1\nanswer = "3"\n')
    (task / "problem.md").write_text("How many lines does files/data.txt have?\n")
    (task / "files" / "data.txt").write_text("a\nb\nc\n")
    (task / "solution.py").write_text("print(len(open('files/data.txt').read().splitlines()))\n")
    return root


def start_endpoint() -> tuple[subprocess.Popen[str], str]:
    """The scripted endpoint in its own process, so its work is not counted in solvemeter's time."""
    process = subprocess.Popen(
        [sys.executable, "-m", "solvemeter.agents.scripted", "FINAL ANSWER: 3"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def commands(pack: Path, base_url: str, scratch: Path) -> dict[str, list[str]]:
    def run(*extra: str) -> list[str]:
        return ["run", "--pack", str(pack), "--run-dir", str(scratch / "run"), *extra]

    return {
        "--help": ["--help"],
        "pack list": ["pack", "list"],
        "run oracle, 1 task": run("--agent", "oracle"),
        "run shell + endpoint, 1 task": run(
            "--agent", "shell", "--model", "openai/scripted", "--base-url", base_url, "--no-cost"
        ),
    }


def timed(checkout: Path, args: list[str], scratch: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one whole process."""
    shutil.rmtree(scratch / "run", ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "solvemeter", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(checkout)},
        cwd=scratch,
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{checkout}: solvemeter {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--baseline", type=Path, help="an older checkout to measure beside this one")
    options = parser.parse_args()
    checkouts = {"now": ROOT, **({"baseline": options.baseline.resolve()} if options.baseline else {})}
    endpoint, base_url = start_endpoint()
    try:
        with tempfile.TemporaryDirectory(prefix="solvemeter-startup-") as tmp:
            scratch = Path(tmp)
            todo = commands(write_pack(scratch / "pack"), base_url, scratch)
            seconds: dict[tuple[str, str], list[tuple[float, float]]] = {}
            floor: list[float] = []
            for _ in range(options.repeats):
                started = time.perf_counter()
                subprocess.run([sys.executable, "-c", "pass"], check=True)
                floor.append(time.perf_counter() - started)
                for name, args in todo.items():
                    for label, checkout in checkouts.items():
                        seconds.setdefault((name, label), []).append(timed(checkout, args, scratch))
    finally:
        endpoint.terminate()
    columns = [f"{label} {kind} s" for label in checkouts for kind in ("wall", "cpu")]
    table = Table("command (whole process, medians)", *columns, "target s", "now wall/target", "now cpu/target")
    for name, target in TARGETS.items():
        medians = [statistics.median(t[i] for t in seconds[(name, label)]) for label in checkouts for i in (0, 1)]
        ratios = (f"{medians[0] / target:.2f}×", f"{medians[1] / target:.2f}×")
        table.add_row(name, *(f"{m:.2f}" for m in medians), f"{target:.1f}", *ratios)
    console = Console()
    console.print(table)
    console.print(f"python -c pass: {statistics.median(floor):.3f} s; {options.repeats} rounds, {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
