"""Memory and process limits through cgroups (v2, or v1 as on many CI hosts), when the host lets us.

bubblewrap has no resource limits of its own. Where no cgroup hierarchy is writable we fall back to an
address-space rlimit (memory only) and say so in ``describe()``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from solvemeter.sandboxes.base import Limits

CGROUP_ROOT = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class Cgroup:
    """One sandbox's cgroup: a directory per hierarchy (one on v2; memory and pids on v1)."""

    dirs: tuple[Path, ...]

    def enter_command(self) -> str:
        """Shell that moves the current shell into this cgroup before it execs the sandbox."""
        return "; ".join(f"echo $$ > {d / 'cgroup.procs'}" for d in self.dirs)

    def kill(self) -> None:
        for d in self.dirs:
            if (d / "cgroup.kill").exists():
                with contextlib.suppress(OSError):
                    (d / "cgroup.kill").write_text("1")
                continue
            with contextlib.suppress(OSError):
                for pid in (d / "cgroup.procs").read_text().split():
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(int(pid), signal.SIGKILL)

    def remove(self, wait_s: float = 2.0) -> None:
        """Kill what is left, then delete the cgroup once the killed processes have left it."""
        self.kill()
        deadline = time.monotonic() + wait_s
        for d in self.dirs:
            while True:
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # busy until the kernel has reaped the killed processes
                    if time.monotonic() > deadline:
                        break
                    self.kill()
                    time.sleep(0.01)


def _own_cgroup(controller: str) -> str:
    """Our path in a v1 hierarchy (or v2 when controller is ''), so limits nest under whatever contains us."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(",") or (controller == "" and controllers == ""):
            return path.lstrip("/")
    return ""


def _v2_parent() -> Path | None:
    controllers = CGROUP_ROOT / "cgroup.controllers"
    if not controllers.exists() or not {"memory", "pids"} <= set(controllers.read_text().split()):
        return None
    parent = CGROUP_ROOT / _own_cgroup("") / ".." if _own_cgroup("") else CGROUP_ROOT
    parent = parent.resolve()
    subtree = parent / "cgroup.subtree_control"
    if not subtree.exists() or not {"memory", "pids"} <= set(subtree.read_text().split()):
        return None
    return parent if os.access(parent, os.W_OK) else None


def _v1_parents() -> tuple[Path, Path] | None:
    memory = CGROUP_ROOT / "memory" / _own_cgroup("memory")
    pids = CGROUP_ROOT / "pids" / _own_cgroup("pids")
    present = (memory / "memory.limit_in_bytes").exists() and (pids / "cgroup.procs").exists()
    if present and os.access(memory, os.W_OK) and os.access(pids, os.W_OK):
        return memory, pids
    return None


def create_cgroup(limits: Limits) -> Cgroup | None:
    """A fresh cgroup carrying ``limits``, or None when this host gives us no writable hierarchy."""
    name = f"solvemeter-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    try:
        if (parent := _v2_parent()) is not None:
            d = parent / name
            d.mkdir()
            (d / "memory.max").write_text(str(limits.memory_mb * 2**20))
            (d / "memory.swap.max").exists() and (d / "memory.swap.max").write_text("0")
            (d / "pids.max").write_text(str(limits.pids))
            return Cgroup((d,))
        if (parents := _v1_parents()) is not None:
            memory, pids = parents[0] / name, parents[1] / name
            memory.mkdir()
            pids.mkdir()
            (memory / "memory.limit_in_bytes").write_text(str(limits.memory_mb * 2**20))
            (pids / "pids.max").write_text(str(limits.pids))
            return Cgroup((memory, pids))
    except OSError:
        return None
    return None


def _owner_alive(name: str) -> bool:
    owner = name.split("-")[1]
    if not owner.isdigit():
        return False
    try:
        os.kill(int(owner), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_empty() -> int:
    """Delete the cgroups of runners that died before they could (kill -9). A live runner's cgroup is empty
    between commands, so only cgroups whose owner process is gone are touched."""
    parents = [p for p in (_v2_parent(), *(_v1_parents() or ())) if p is not None]
    removed = 0
    for parent in parents:
        for d in parent.glob("solvemeter-*"):
            if _owner_alive(d.name):
                continue
            with contextlib.suppress(OSError):
                d.rmdir()
                removed += 1
    return removed


def rlimit_command(limits: Limits) -> str:
    """The fallback: cap address space (generously, since it counts mappings, not residency)."""
    return f"ulimit -v {limits.memory_mb * 4 * 1024}"


def describe() -> str:
    if _v2_parent() is not None:
        return "cgroup v2 (memory, pids)"
    if _v1_parents() is not None:
        return "cgroup v1 (memory, pids)"
    return "rlimit (address space only; no writable cgroup hierarchy)"
