"""SWE grading, as SWE-bench does it: never trust the agent's workspace.

The submission (a diff) is applied to a clean copy of the starting repository inside a fresh sandbox,
changes to test files and test configuration are dropped, the hidden tests are laid over, the task's test
command runs, and the ``swebench`` package's pytest log parser and grading functions give the verdict.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from solvemeter.runs.records import SweGrade, TestOutcome
from solvemeter.sandboxes.base import WORKSPACE, Sandbox
from solvemeter.tasks.models import SweTask

TEST_CONFIG_FILES = frozenset(
    {"conftest.py", "pytest.ini", "tox.ini", "setup.cfg", "pyproject.toml", "sitecustomize.py", "usercustomize.py"}
)
SUMMARY_HEADER = re.compile(r"^=+ short test summary info =+$", re.MULTILINE)
_PATH_LINES = re.compile(r"^(?:diff --git a/(\S+) b/(\S+)|--- a/(.+)|\+\+\+ b/(.+)|rename (?:from|to) (.+))$")
SUBMISSION_PATH = "/tmp/solvemeter-submission.patch"


def split_diff(diff: str) -> list[str]:
    """One chunk per file, each starting at its ``diff --git`` line."""
    return [c for c in re.split(r"(?m)^(?=diff --git )", diff) if c.strip()]


def touched_paths(chunk: str) -> set[str]:
    return {p.strip() for line in chunk.splitlines() if (m := _PATH_LINES.match(line)) for p in m.groups() if p}


def is_protected(path: str, tests_dir: str) -> bool:
    """Files that decide how grading runs: the agent may change them, but grading never takes them."""
    pure = PurePosixPath(path)
    return (
        pure.name in TEST_CONFIG_FILES
        or pure.suffix == ".pth"
        or pure.parts[: len(PurePosixPath(tests_dir).parts)] == PurePosixPath(tests_dir).parts
    )


def filter_submission(diff: str, protected: set[str] | None, tests_dir: str | None) -> tuple[str, tuple[str, ...]]:
    """The diff without the chunks that touch protected files, and the paths that were dropped.

    ``protected`` names exact paths (SWE-bench: the files of the test patch); ``tests_dir`` also drops
    everything under it and every test-configuration file (native packs).
    """
    kept, dropped = [], set()
    for chunk in split_diff(diff):
        paths = touched_paths(chunk)
        blocked = {p for p in paths if (protected and p in protected) or (tests_dir and is_protected(p, tests_dir))}
        if blocked:
            dropped |= blocked
        else:
            kept.append(chunk)
    return "".join(kept), tuple(sorted(dropped))


def summary_section(log: str) -> str:
    """Only pytest's own closing summary counts: a line printed by the code under test cannot pass a test."""
    headers = list(SUMMARY_HEADER.finditer(log))
    return log[headers[-1].end() :] if headers else ""


def verdict(
    status: dict[str, str], fail_to_pass: tuple[str, ...], pass_to_pass: tuple[str, ...]
) -> tuple[TestOutcome, TestOutcome, float]:
    """Per-list outcomes and the score: fraction of FAIL_TO_PASS fixed × fraction of PASS_TO_PASS kept."""
    # swebench.harness pulls in datasets, pandas and modal (seconds): imported by grading only, not at start-up
    from swebench.harness.constants import FAIL_TO_PASS, PASS_TO_PASS
    from swebench.harness.grading import compute_fail_to_pass, compute_pass_to_pass, get_eval_tests_report

    report = get_eval_tests_report(status, {FAIL_TO_PASS: list(fail_to_pass), PASS_TO_PASS: list(pass_to_pass)})
    f2p, p2p = report[FAIL_TO_PASS], report[PASS_TO_PASS]
    score = compute_fail_to_pass(report) * compute_pass_to_pass(report) if status else 0.0
    return (
        TestOutcome(success=tuple(f2p["success"]), failure=tuple(f2p["failure"])),
        TestOutcome(success=tuple(p2p["success"]), failure=tuple(p2p["failure"])),
        score,
    )


async def apply_submission(sandbox: Sandbox, diff: str) -> bool:
    if not diff.strip():
        return True
    await sandbox.write_file(SUBMISSION_PATH, diff.encode())
    applied = await sandbox.exec(
        f"git apply --whitespace=nowarn {SUBMISSION_PATH} || patch --batch --fuzz=5 -p1 -i {SUBMISSION_PATH}",
        timeout=60,
    )
    return applied.ok


async def grade_swe(task: SweTask, diff: str, sandbox: Sandbox) -> SweGrade:
    """Grade ``diff`` in ``sandbox``, whose /workspace holds a clean copy of the task's repository."""
    kept, dropped = filter_submission(diff, None, task.spec.tests_dir)
    await sandbox.copy_in(task.hidden_tests, f"{WORKSPACE}/{task.spec.tests_dir}")
    if not await apply_submission(sandbox, kept):
        return SweGrade(patch_applied=False, ignored_paths=dropped)
    run = await sandbox.exec(task.test_command, timeout=task.spec.timeout_s)
    from swebench.harness.log_parsers.python import parse_log_pytest

    status = parse_log_pytest(summary_section(run.stdout), None)  # type: ignore[arg-type]
    f2p, p2p, score = verdict(status, task.spec.FAIL_TO_PASS, task.spec.PASS_TO_PASS)
    tail = run.output[-4000:] if not run.timed_out else f"[test command timed out after {task.spec.timeout_s}s]"
    return SweGrade(
        patch_applied=True,
        fail_to_pass=f2p,
        pass_to_pass=p2p,
        ignored_paths=dropped,
        test_exit_code=run.exit_code,
        log_tail=tail,
        score=score,
    )
