"""The tools agents act with. Every one goes through the Sandbox: agents never touch the host."""

from __future__ import annotations

import functools
import shlex
from collections.abc import Awaitable, Callable
from typing import ParamSpec

from solvemeter.errors import SandboxRefused
from solvemeter.runs.trajectory import truncate
from solvemeter.sandboxes.base import WORKSPACE, Sandbox

COMMAND_TIMEOUT_S = 120.0
MODEL_OBSERVATION_LIMIT = 6000
"""What the model is shown of one observation; the trajectory keeps more."""


P = ParamSpec("P")


def refusals_observed(tool: Callable[P, Awaitable[str]]) -> Callable[P, Awaitable[str]]:
    """What the sandbox refuses because of what the agent asked (a path outside it, a read-only place) is
    the tool's answer to the model, not a failure of the episode (docs/outcomes.md)."""

    @functools.wraps(tool)
    async def observed(*args: P.args, **kwargs: P.kwargs) -> str:
        try:
            return await tool(*args, **kwargs)
        except SandboxRefused as exc:
            return f"error: {exc}"

    return observed


def sandbox_path(path: str) -> str:
    return path if path.startswith("/") else f"{WORKSPACE}/{path}"


async def bash(sandbox: Sandbox, command: str, timeout: float = COMMAND_TIMEOUT_S) -> tuple[str, int]:
    result = await sandbox.exec(command, timeout=timeout)
    text = result.output
    if result.timed_out:
        text += f"\n[command timed out after {timeout:g}s and was killed]"
    return text, result.exit_code


@refusals_observed
async def view_file(sandbox: Sandbox, path: str, start: int = 1, end: int | None = None) -> str:
    """The file with line numbers, or the listing of a directory."""
    target = sandbox_path(path)
    listing = await sandbox.exec(f"test -d {shlex.quote(target)} && ls -la {shlex.quote(target)}", timeout=30)
    if listing.ok:
        return listing.stdout
    try:
        lines = (await sandbox.read_file(target)).decode(errors="replace").splitlines()
    except FileNotFoundError:
        return f"error: {path} does not exist"
    stop = len(lines) if end is None else min(end, len(lines))
    return "\n".join(f"{n:6}\t{lines[n - 1]}" for n in range(max(start, 1), stop + 1)) or "(empty file)"


@refusals_observed
async def create_file(sandbox: Sandbox, path: str, content: str) -> str:
    await sandbox.write_file(sandbox_path(path), content.encode())
    return f"wrote {len(content)} characters to {path}"


@refusals_observed
async def str_replace(sandbox: Sandbox, path: str, old: str, new: str) -> str:
    try:
        text = (await sandbox.read_file(sandbox_path(path))).decode()
    except FileNotFoundError:
        return f"error: {path} does not exist"
    count = text.count(old)
    if count != 1:
        return f"error: the text to replace occurs {count} times in {path}; it must occur exactly once"
    await sandbox.write_file(sandbox_path(path), text.replace(old, new).encode())
    return f"replaced 1 occurrence in {path}"


def for_model(observation: str) -> str:
    return truncate(observation, MODEL_OBSERVATION_LIMIT)
