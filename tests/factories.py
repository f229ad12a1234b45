"""Small packs written by the tests themselves, so each test controls exactly what it exercises."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

BUGGY = "def add(a, b):\n    return a - b\n\n\ndef neg(a):\n    return -a\n"
FIXED = "def add(a, b):\n    return a + b\n\n\ndef neg(a):\n    return -a\n"
HIDDEN_TEST = textwrap.dedent(
    """
    from calc import add, neg


    def test_add():
        assert add(2, 3) == 5


    def test_neg():
        assert neg(2) == -2
    """
)
VISIBLE_TEST = "from calc import neg\n\n\ndef test_neg_visible():\n    assert neg(1) == -1\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def diff_between(before: dict[str, str], after: dict[str, str], tmp: Path) -> str:
    """A git diff turning the files ``before`` into ``after``, made with real git."""
    repo = tmp / "diff-repo"
    for name, text in before.items():
        write(repo / name, text)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    for name, text in after.items():
        write(repo / name, text)
    subprocess.run([*git, "add", "-A"], check=True)
    out = subprocess.run([*git, "diff", "--cached"], check=True, capture_output=True, text=True).stdout
    subprocess.run(["rm", "-rf", str(repo)], check=True)
    return out


PACK_TOML = """name = "{name}"
version = "1.0.0"
kind = "swe"
license = "MIT"
description = "A pack written by a test."

[environment]
requirements = ["pytest==9.2.0"]

[budgets]
max_steps = 5
"""

TASK_TOML = """difficulty = "easy"
tags = ["test"]
FAIL_TO_PASS = ["tests/test_calc.py::test_add"]
PASS_TO_PASS = ["tests/test_calc.py::test_neg"]
"""


def make_swe_pack(root: Path, *, tasks: int = 1, name: str = "tiny", task_toml: str = TASK_TOML) -> Path:
    """A valid swe pack of ``tasks`` copies of one small task: calc.add subtracts instead of adding."""
    write(root / "pack.toml", PACK_TOML.format(name=name))
    patch = diff_between({"calc/__init__.py": BUGGY}, {"calc/__init__.py": FIXED}, root.parent)
    for i in range(1, tasks + 1):
        task = root / "tasks" / f"add-bug-{i:02d}"
        write(task / "task.toml", task_toml)
        write(task / "problem.md", "calc.add(2, 3) returns -1; I expected 5.\n")
        write(task / "repo" / "calc" / "__init__.py", BUGGY)
        write(task / "repo" / "tests" / "test_visible.py", VISIBLE_TEST)
        write(task / "tests" / "test_calc.py", HIDDEN_TEST)
        write(task / "solution.patch", patch)
    return root


class CommandAgent:
    """A scripted agent (no model): runs fixed shell commands in its sandbox, then submits."""

    name = "scripted-commands"
    model = "none"

    def __init__(self, *commands: str, answer: str | None = None) -> None:
        self.commands = commands
        self.answer = answer
        self.results: list = []

    def config(self) -> dict:
        return {"commands": "\n".join(self.commands)}

    async def solve(self, ctx):
        from solvemeter.agents.base import AgentResult, tool_call
        from solvemeter.runs.records import StopReason

        for command in self.commands:
            result = await ctx.sandbox.exec(command, timeout=30)
            self.results.append(result)
            ctx.meter.record_action(tool_call("bash", {"command": command}, result.output, exit_code=result.exit_code))
        return AgentResult(StopReason.SUBMITTED, answer=self.answer)


QA_PACK_TOML = """name = "{name}"
version = "1.0.0"
kind = "qa"
license = "MIT"
description = "A qa pack written by a test."

[budgets]
max_steps = 10
"""


def make_qa_pack(root: Path, *, answers: list[str], name: str = "tinyqa") -> Path:
    """One task per answer: count the lines of files/data.txt; the answer key is ``answers[i]``."""
    write(root / "pack.toml", QA_PACK_TOML.format(name=name))
    for i, answer in enumerate(answers, start=1):
        task = root / "tasks" / f"question-{i:02d}"
        write(task / "task.toml", f'level = 1\nanswer = "{answer}"\nhuman_steps = 2\n')
        write(task / "problem.md", f"Question {i}: how many lines does files/data.txt have?\n")
        write(task / "files" / "data.txt", "x\n" * int(answer) if answer.isdigit() else "x\n")
        write(task / "solution.py", "print(len(open('files/data.txt').read().splitlines()))\n")
    return root
