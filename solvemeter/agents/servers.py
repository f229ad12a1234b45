"""Model servers solvemeter starts itself, and the built-in local model on the CPU.

Every server (this local one, and vLLM in ``vllm_server``) serves the OpenAI protocol on loopback from a child
process in its own process group, so a crash cannot take the harness down and stopping removes every process the
server spawned. They share one lifecycle (``ModelServer``): start the child, wait until ``GET /v1/models`` answers,
stop with SIGTERM and then SIGKILL after a grace period.

``python -m solvemeter.agents.servers local --model PATH --port P`` is the local server's child entry point.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx

from solvemeter.agents import weights
from solvemeter.errors import EndpointError

HOST = "127.0.0.1"
READY_PATH = "/v1/models"
_TAIL_LINES = 25


class ServerStartError(EndpointError):
    """A model server exited or stayed silent before it answered on its port."""


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def available_cores() -> int:
    """CPU cores this process may run on (respects affinity and container limits where the OS exposes them)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class ModelServer(ABC):
    """The one lifecycle of every server solvemeter starts; subclasses only say what to run and how it is set up."""

    label: str = "model server"
    install_hint: str = "check that its executable is installed"

    def __init__(self, *, served_model_name: str, port: int | None, ready_timeout_s: float) -> None:
        self.served_model_name = served_model_name
        self.port = port or free_port()
        self.ready_timeout_s = ready_timeout_s
        self.models_listing: dict[str, Any] = {}
        """The server's answer to ``GET /v1/models`` once ready."""
        self._process: asyncio.subprocess.Process | None = None
        self._log_path: Path | None = None
        self._keep_log = False

    @abstractmethod
    def command(self) -> list[str]:
        """The child's argv."""

    @abstractmethod
    def serving_config(self) -> dict[str, str]:
        """How this server serves, for the run manifest."""

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL (ends in ``/v1``)."""
        return f"http://{HOST}:{self.port}/v1"

    @property
    def returncode(self) -> int | None:
        """The child's exit status once it has exited (negative: killed by that signal)."""
        return self._process.returncode if self._process else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.returncode is None

    async def start(self) -> None:
        """Start the child and return once it answers ``GET /v1/models``; raises ``ServerStartError`` otherwise."""
        if self.running:
            return
        log_fd, log_name = tempfile.mkstemp(prefix="solvemeter-server-", suffix=".log")
        self._log_path, self._keep_log = Path(log_name), False
        argv = self.command()
        try:
            self._process = await asyncio.create_subprocess_exec(
                *argv, stdin=subprocess.DEVNULL, stdout=log_fd, stderr=subprocess.STDOUT, start_new_session=True
            )
        except OSError as exc:
            self._log_path.unlink(missing_ok=True)
            raise ServerStartError(
                f"could not start {self.label} ({argv[0]}: {exc.strerror}) — {self.install_hint}."
            ) from exc
        finally:
            os.close(log_fd)
        try:
            await self._wait_until_ready()
        except BaseException:
            self._keep_log = True  # the evidence of why it never served
            await self.stop(grace_s=2)
            raise

    async def _wait_until_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.ready_timeout_s
        async with httpx.AsyncClient(timeout=2.0) as client:
            while True:
                if self._process.returncode is not None:
                    raise self._start_failure(
                        f"exited with code {self._process.returncode} before answering on {self.base_url}",
                        "fix the cause shown in its output",
                    )
                if await self._answers(client):
                    return
                if time.monotonic() > deadline:
                    raise self._start_failure(
                        f"did not answer on {self.base_url} within {self.ready_timeout_s:.0f}s",
                        "raise the start timeout or fix the cause shown in its output",
                    )
                with contextlib.suppress(TimeoutError):  # sleeps, but wakes at once if the child dies
                    await asyncio.wait_for(self._process.wait(), timeout=0.25)

    def _start_failure(self, what: str, fix: str) -> ServerStartError:
        return ServerStartError(f"{self.label} {what} — {fix} ({self._log_path}), which ends:\n{self.log_tail()}")

    async def _answers(self, client: httpx.AsyncClient) -> bool:
        try:
            reply = await client.get(f"http://{HOST}:{self.port}{READY_PATH}")
        except httpx.HTTPError:
            return False
        if reply.status_code != 200:
            return False
        try:
            self.models_listing = reply.json()
        except ValueError:
            return False
        return True

    async def wait(self) -> int:
        """Block until the child exits on its own (for ``solvemeter serve``); returns its exit code."""
        if self._process is None:
            raise RuntimeError("server was never started")
        return await self._process.wait()

    async def stop(self, grace_s: float = 10.0) -> None:
        """SIGTERM the child's process group, SIGKILL it after ``grace_s``; safe to call twice."""
        process = self._process
        if process is None:
            return
        if process.returncode is not None:
            self._keep_log = True  # it died without being asked to: its output says why
        else:
            _signal_group(process.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout=grace_s)
            except TimeoutError:
                _signal_group(process.pid, signal.SIGKILL)
                await process.wait()
        # Whatever the leader left behind in its group (vLLM workers) goes with it.
        _signal_group(process.pid, signal.SIGKILL)
        if not self._keep_log and self._log_path:
            self._log_path.unlink(missing_ok=True)

    @property
    def log_path(self) -> Path | None:
        """The child's output (stdout and stderr); removed when stopped while serving, kept when the server failed."""
        return self._log_path

    def log_tail(self, lines: int = _TAIL_LINES) -> str:
        """The child's last lines of output (stdout and stderr together)."""
        if self._log_path is None or not self._log_path.exists():
            return "(no output)"
        text = self._log_path.read_text(errors="replace").splitlines()[-lines:]
        return "\n".join(text) or "(no output)"

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


class LocalServer(ModelServer):
    """The built-in local model, served on the CPU by xllamacpp (llama.cpp) with jinja chat templates and tools.

    ``parallel`` slots let several episodes share one server; each slot gets ``context_per_slot`` tokens.
    """

    label = "local model server"

    def __init__(
        self,
        model: str | Path = weights.DEFAULT_MODEL,
        *,
        port: int | None = None,
        parallel: int = 1,
        context_per_slot: int = 16384,
        threads: int | None = None,
        ready_timeout_s: float = 180.0,
    ) -> None:
        if parallel < 1 or context_per_slot < 512:
            raise ValueError("parallel must be >= 1 and context_per_slot >= 512")
        self.model_path = weights.resolve(str(model))
        name = str(model).removeprefix("local/")
        super().__init__(
            served_model_name=name if name in weights.KNOWN_MODELS else self.model_path.stem,
            port=port,
            ready_timeout_s=ready_timeout_s,
        )
        self.parallel = parallel
        self.context_per_slot = context_per_slot
        self.threads = threads or available_cores()

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "solvemeter.agents.servers",
            "local",
            "--model",
            str(self.model_path),
            "--port",
            str(self.port),
            "--name",
            self.served_model_name,
            "--parallel",
            str(self.parallel),
            "--context",
            str(self.context_per_slot * self.parallel),
            "--threads",
            str(self.threads),
        ]

    def serving_config(self) -> dict[str, str]:
        known = weights.KNOWN_MODELS.get(self.served_model_name)
        meta = _first_model(self.models_listing).get("meta", {})
        return {
            "kind": "local",
            "engine": "xllamacpp",
            "engine_version": package_version("xllamacpp"),
            "served_model_name": self.served_model_name,
            "weights": str(self.model_path),
            "weights_sha256": known.sha256 if known else "unverified (user-supplied file)",
            "quantization": str(meta.get("ftype", "unknown")),
            "parallel_slots": str(self.parallel),
            "context_per_slot": str(self.context_per_slot),
            "threads": str(self.threads),
            "chat_template": "jinja (from the GGUF)",
        }


def package_version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _first_model(listing: dict[str, Any]) -> dict[str, Any]:
    data = listing.get("data") or [{}]
    return data[0] if isinstance(data[0], dict) else {}


def _serve_local(args: argparse.Namespace) -> None:
    """Child side of ``LocalServer``: load the model, serve until SIGTERM."""
    import xllamacpp

    _die_with_parent()
    params = xllamacpp.CommonParams()
    params.model.path = args.model
    params.model_alias = {args.name}
    params.hostnames = [HOST]
    params.port = args.port
    params.n_ctx = args.context
    params.n_parallel = args.parallel
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    params.use_jinja = True  # chat templates and tool calls come from the GGUF's own jinja template
    server = xllamacpp.Server(params)
    print(f"serving {args.name} on {server.listening_address}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))  # the C++ server keeps no state worth flushing
    signal.signal(signal.SIGINT, lambda *_: os._exit(0))
    while True:
        signal.pause()


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM this child when the harness that started it dies, so no server outlives a crash."""
    if sys.platform != "linux":
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m solvemeter.agents.servers")
    kinds = parser.add_subparsers(dest="kind", required=True)
    local = kinds.add_parser("local", help="serve a GGUF with xllamacpp on loopback")
    local.add_argument("--model", required=True)
    local.add_argument("--port", type=int, required=True)
    local.add_argument("--name", default=weights.DEFAULT_MODEL)
    local.add_argument("--parallel", type=int, default=1)
    local.add_argument("--context", type=int, default=16384)
    local.add_argument("--threads", type=int, default=available_cores())
    _serve_local(parser.parse_args(argv))


if __name__ == "__main__":
    main()
