"""Start-up stays light: `--help` and `pack list` import none of the heavy libraries, and the commands listed
without importing their areas say what the commands themselves say. (Timings live in benchmarks/startup.py.)"""

from __future__ import annotations

import subprocess
import sys

import pytest

from solvemeter.suite import cli

HEAVY = ("swebench", "datasets", "pandas", "langgraph", "langchain_openai", "openai", "docker", "numpy")
PROBE = """
import sys
from solvemeter.suite import cli
sys.argv = ["solvemeter", *{args!r}]
try:
    cli.main()
except SystemExit:
    pass
print("LOADED", sorted(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--help"], ["pack", "list"], ["pack", "show", "qa-mini"]])
def test_listing_commands_and_packs_imports_no_heavy_library(args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args, heavy=HEAVY)], capture_output=True, text=True, check=True
    )
    assert "LOADED []" in done.stderr, done.stderr


@pytest.mark.parametrize("name", sorted(cli.AREA_COMMANDS))
def test_a_lazily_listed_command_has_the_help_its_area_gives_it(name: str) -> None:
    reference, listed = cli.AREA_COMMANDS[name]
    command = cli.load_command(name, reference)
    own = (command.help or "").strip().split("\n")[0]
    assert command.name == name and own.startswith(listed.rstrip(".").split(";")[0]), (listed, own)
