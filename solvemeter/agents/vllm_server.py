"""vLLM on this machine's GPUs, started and stopped through the shared ``ModelServer`` lifecycle."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Sequence

from solvemeter.agents.servers import HOST, ModelServer, package_version


def tool_call_parser_for(model: str) -> str:
    """vLLM's tool-call parser for a model family: qwen → hermes, llama → llama3_json, mistral → mistral."""
    name = model.lower()
    if "llama" in name:
        return "llama3_json"
    if any(family in name for family in ("mistral", "mixtral", "codestral", "devstral")):
        return "mistral"
    return "hermes"  # Qwen's format, and the most widely imitated one


class VllmServer(ModelServer):
    """``vllm serve`` on this machine's GPUs, with tool calling on and the parser matching the model family."""

    label = "vLLM server"
    install_hint = "install vLLM on this GPU machine (`pip install 'solvemeter[vllm]'`) so that `vllm` is on PATH"

    def __init__(
        self,
        model: str,
        *,
        served_model_name: str | None = None,
        gpus: int = 1,
        port: int | None = None,
        extra_args: Sequence[str] = (),
        executable: Sequence[str] = ("vllm",),
        ready_timeout_s: float = 1800.0,
    ) -> None:
        if gpus < 1:
            raise ValueError("gpus must be >= 1")
        super().__init__(
            served_model_name=served_model_name or model.rstrip("/").rsplit("/", 1)[-1],
            port=port,
            ready_timeout_s=ready_timeout_s,
        )
        self.model = model
        self.gpus = gpus
        self.extra_args = tuple(extra_args)
        self.executable = tuple(executable)
        self._version: str | None = None

    @property
    def tool_call_parser(self) -> str:
        return _flag_value(self.extra_args, "--tool-call-parser") or tool_call_parser_for(self.model)

    def command(self) -> list[str]:
        tools = ["--enable-auto-tool-choice"] if "--enable-auto-tool-choice" not in self.extra_args else []
        if _flag_value(self.extra_args, "--tool-call-parser") is None:
            tools += ["--tool-call-parser", self.tool_call_parser]
        return [
            *self.executable,
            "serve",
            self.model,
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--served-model-name",
            self.served_model_name,
            "--tensor-parallel-size",
            str(self.gpus),
            *tools,
            *self.extra_args,
        ]

    def engine_version(self) -> str:
        """The installed vLLM's version, from package metadata or ``vllm --version``."""
        if self._version is None:
            self._version = package_version("vllm")
            if self._version == "unknown":
                self._version = _version_from_cli(self.executable)
        return self._version

    def serving_config(self) -> dict[str, str]:
        return {
            "kind": "vllm",
            "engine": "vllm",
            "engine_version": self.engine_version(),
            "model": self.model,
            "served_model_name": self.served_model_name,
            "tensor_parallel_size": str(self.gpus),
            "dtype": _flag_value(self.extra_args, "--dtype") or "auto",
            "quantization": _flag_value(self.extra_args, "--quantization", "-q") or "none (as stored)",
            "tool_call_parser": self.tool_call_parser,
            "extra_flags": shlex.join(self.extra_args),
            "command": shlex.join(self.command()),
        }


def _flag_value(args: Sequence[str], *names: str) -> str | None:
    for index, arg in enumerate(args):
        for name in names:
            if arg == name and index + 1 < len(args):
                return args[index + 1]
            if arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def _version_from_cli(executable: Sequence[str]) -> str:
    try:
        done = subprocess.run([*executable, "--version"], capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    lines = done.stdout.strip().splitlines()
    return lines[-1].strip() if done.returncode == 0 and lines else "unknown"
