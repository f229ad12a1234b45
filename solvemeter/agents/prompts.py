"""What agents are told. Kept apart so both agents say the same thing about the same task."""

from __future__ import annotations

import hashlib

from solvemeter.tasks.models import QaTask, SweTask

SWE_GOAL = (
    "The repository is in /workspace, your working directory. Fix the problem described in the issue below by "
    "editing the source code. Do not edit or add tests. There is no network access."
)
QA_GOAL = (
    "Answer the question below. The attached files are in /workspace/files. Use the shell and python3 to read and "
    "compute over them; do not guess. There is no network access."
)

SHELL_SWE_FINISH = "When the problem is fixed, reply with exactly:\n```bash\nsubmit\n```"
SHELL_QA_FINISH = (
    "When you know the answer, reply with a line `FINAL ANSWER: <answer>` in the format the question asks."
)

SHELL_SYSTEM = """You are an expert engineer working in a Linux sandbox.
Each reply: one or two sentences of reasoning, then exactly ONE shell command in a fenced block:
```bash
<command>
```
You will see its output in the next message. Edit files with sed, python3 or a heredoc (cat > file <<'EOF').
{finish}"""

REACT_SYSTEM = """You are an expert engineer working in a Linux sandbox. Act with the tools you are given:
run shell commands with `bash`, read files with `view_file`, change them with `str_replace` or `create_file`.
Call exactly one tool per reply. When you are done, call `submit`{answer_note}."""


def goal(task: SweTask | QaTask) -> str:
    return SWE_GOAL if isinstance(task, SweTask) else QA_GOAL


def shell_system(task: SweTask | QaTask) -> str:
    return SHELL_SYSTEM.format(finish=SHELL_SWE_FINISH if isinstance(task, SweTask) else SHELL_QA_FINISH)


def react_system(task: SweTask | QaTask) -> str:
    note = "" if isinstance(task, SweTask) else " with your final answer, in the format the question asks"
    return REACT_SYSTEM.format(answer_note=note)


def task_message(task: SweTask | QaTask) -> str:
    heading = "Issue" if isinstance(task, SweTask) else "Question"
    return f"{goal(task)}\n\n# {heading}\n\n{task.problem.strip()}\n"


def fingerprint(*extra: str) -> str:
    """Every text an agent may send (plus the agent's own, ``extra``), hashed for the agent's config."""
    texts = (SWE_GOAL, QA_GOAL, SHELL_SWE_FINISH, SHELL_QA_FINISH, SHELL_SYSTEM, REACT_SYSTEM, *extra)
    return hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
