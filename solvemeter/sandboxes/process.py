"""Running a sandboxed process from the host: bounded output, a timeout that kills the process group, and the
host directories a sandbox owns (named for their runner, so those of a runner killed with -9 can be reaped)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from solvemeter.sandboxes.base import MAX_OUTPUT_BYTES, ExecResult

TRUNCATION_MARKER = "\n[... output truncated by solvemeter: {dropped} bytes dropped ...]\n"


async def _read_bounded(stream: asyncio.StreamReader | None, limit: int) -> str:
    if stream is None:
        return ""
    kept = bytearray()
    dropped = 0
    while chunk := await stream.read(65536):
        room = limit - len(kept)
        kept += chunk[:room]
        dropped += max(0, len(chunk) - room)
    text = kept.decode(errors="replace")
    return text + TRUNCATION_MARKER.format(dropped=dropped) if dropped else text


async def run_process(
    argv: list[str],
    *,
    timeout: float,
    env: dict[str, str],
    on_timeout: Callable[[], None] | None = None,
    stdin: bytes | None = None,
) -> ExecResult:
    """Run ``argv`` in its own session with exactly ``env``; on timeout SIGKILL the whole group and call
    ``on_timeout``."""
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
        env=env,
    )
    if stdin is not None and proc.stdin is not None:
        proc.stdin.write(stdin)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            await proc.stdin.drain()
        proc.stdin.close()
    readers = asyncio.gather(_read_bounded(proc.stdout, MAX_OUTPUT_BYTES), _read_bounded(proc.stderr, MAX_OUTPUT_BYTES))
    timed_out = False
    try:
        await asyncio.wait_for(proc.wait(), timeout)
    except TimeoutError:
        timed_out = True
        kill_group(proc.pid)
        if on_timeout is not None:
            on_timeout()
        await proc.wait()
    except asyncio.CancelledError:
        kill_group(proc.pid)
        raise
    try:
        # Orphans that escaped the group could hold the pipes open; never wait on them for long.
        stdout, stderr = await asyncio.wait_for(readers, 5)
    except TimeoutError:
        stdout, stderr = "", "[output unavailable: the pipes stayed open after the command ended]"
    exit_code = proc.returncode if proc.returncode is not None else -9
    return ExecResult(
        exit_code=exit_code if not timed_out else 124,
        stdout=stdout,
        stderr=stderr,
        timed_out=timed_out,
        duration_s=time.monotonic() - started,
    )


def kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


SCRATCH_KINDS = ("sandbox-tmp", "pool")


def scratch_dir(kind: str) -> Path:
    """A fresh host directory ``solvemeter-<kind>-<runner pid>-<random>`` in the system temporary directory."""
    assert kind in SCRATCH_KINDS
    return Path(tempfile.mkdtemp(prefix=f"solvemeter-{kind}-{os.getpid()}-"))


def reap_scratch() -> int:
    """Remove the scratch directories of runners that are gone (kill -9 left them); return how many."""
    removed = 0
    for kind in SCRATCH_KINDS:
        for path in Path(tempfile.gettempdir()).glob(f"solvemeter-{kind}-*-*"):
            owner = path.name[len(f"solvemeter-{kind}-") :].split("-", 1)[0]
            if owner.isdigit() and not _alive(int(owner)):
                shutil.rmtree(path, ignore_errors=True)
                removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
