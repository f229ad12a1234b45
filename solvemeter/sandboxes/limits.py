"""Memory, process and CPU limits through cgroups (v2, or v1 as on many CI hosts), when the host lets us.

bubblewrap has no resource limits of its own. The CPU limit is a CFS quota (``cpu.max`` on v2,
``cpu.cfs_quota_us`` on v1) of ``Limits.cpus`` cores, as Docker's ``nano_cpus`` is. Where no cgroup hierarchy is
writable we fall back to an address-space rlimit (memory) and a low scheduling priority (CPU), and where the cpu
controller alone is missing, to the low priority; ``describe()`` says which.
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
CFS_PERIOD_US = 100_000
NICE = 10
"""Priority of a sandbox without a CPU quota: it may use idle cores but cannot starve the runner."""


@dataclass(frozen=True)
class Cgroup:
    """One sandbox's cgroup: a directory per hierarchy (one on v2; memory and pids on v1)."""

    dirs: tuple[Path, ...]
    cpu_limited: bool

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
    if not {"memory", "pids"} <= _v2_delegated(parent):
        return None
    return parent if os.access(parent, os.W_OK) else None


def _v2_delegated(parent: Path) -> set[str]:
    subtree = parent / "cgroup.subtree_control"
    return set(subtree.read_text().split()) if subtree.exists() else set()


def _v1_parents() -> tuple[Path, Path] | None:
    memory = CGROUP_ROOT / "memory" / _own_cgroup("memory")
    pids = CGROUP_ROOT / "pids" / _own_cgroup("pids")
    present = (memory / "memory.limit_in_bytes").exists() and (pids / "cgroup.procs").exists()
    if present and os.access(memory, os.W_OK) and os.access(pids, os.W_OK):
        return memory, pids
    return None


def _v1_cpu_parent() -> Path | None:
    """The v1 cpu hierarchy, when mounted and writable (it is optional: memory and pids work without it)."""
    cpu = CGROUP_ROOT / "cpu" / _own_cgroup("cpu")
    present = (cpu / "cpu.cfs_quota_us").exists()
    return cpu if present and os.access(cpu, os.W_OK) else None


def _quota_us(limits: Limits) -> int:
    return max(1000, int(limits.cpus * CFS_PERIOD_US))


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
            cpu = "cpu" in _v2_delegated(parent)
            cpu and (d / "cpu.max").write_text(f"{_quota_us(limits)} {CFS_PERIOD_US}")
            return Cgroup((d,), cpu_limited=cpu)
        if (parents := _v1_parents()) is not None:
            dirs = [parents[0] / name, parents[1] / name]
            for d in dirs:
                d.mkdir()
            (dirs[0] / "memory.limit_in_bytes").write_text(str(limits.memory_mb * 2**20))
            (dirs[1] / "pids.max").write_text(str(limits.pids))
            if (cpu_parent := _v1_cpu_parent()) is not None:
                dirs.append(cpu_parent / name)
                dirs[-1].mkdir()
                (dirs[-1] / "cpu.cfs_period_us").write_text(str(CFS_PERIOD_US))
                (dirs[-1] / "cpu.cfs_quota_us").write_text(str(_quota_us(limits)))
            return Cgroup(tuple(dirs), cpu_limited=cpu_parent is not None)
    except OSError:
        return None
    return None


def parents() -> list[Path]:
    """Every cgroup directory under which sandboxes' cgroups are made, on this host."""
    return [p for p in (_v2_parent(), *(_v1_parents() or ()), _v1_cpu_parent()) if p is not None]


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


def reap_orphans() -> int:
    """Delete the cgroups of runners that died before they could (kill -9), killing whatever still runs in
    them first: --die-with-parent ends a sandbox's processes, but not at once. Only cgroups whose owner process
    is gone are touched."""
    removed = 0
    for parent in parents():
        for d in parent.glob("solvemeter-*"):
            if _owner_alive(d.name):
                continue
            Cgroup((d,), cpu_limited=False).remove()
            removed += not d.exists()
    return removed


def rlimit_command(limits: Limits) -> str:
    """The fallback: cap address space (generously, since it counts mappings, not residency)."""
    return f"ulimit -v {limits.memory_mb * 4 * 1024}"


def cpu_fallback(cgroup: Cgroup | None) -> list[str]:
    """What to run the sandbox under when no CPU quota holds it: a low priority, so it cannot stall the host."""
    return [] if cgroup is not None and cgroup.cpu_limited else ["nice", "-n", str(NICE)]


def describe() -> str:
    if (parent := _v2_parent()) is not None:
        cpu = "cpu" if "cpu" in _v2_delegated(parent) else f"no cpu controller: nice {NICE}"
        return f"cgroup v2 (memory, pids, {cpu})"
    if _v1_parents() is not None:
        cpu = "cpu" if _v1_cpu_parent() is not None else f"no cpu hierarchy: nice {NICE}"
        return f"cgroup v1 (memory, pids, {cpu})"
    return f"rlimit (address space only; no writable cgroup hierarchy; CPU: nice {NICE})"
