"""Model servers: started in a child process, ready when they answer, stopped without leaving anything behind."""

from __future__ import annotations

import socket
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from solvemeter.agents import weights
from solvemeter.agents.servers import LocalServer, ServerStartError
from solvemeter.agents.vllm_server import VllmServer, tool_call_parser_for
from solvemeter.agents.weights import WeightsError
from solvemeter.cache import CACHE_ENV

STAND_IN_VLLM = textwrap.dedent(
    """
    # Stands in for the `vllm` executable: `serve MODEL ... --port P`, answering /v1/models after a delay.
    import json, signal, sys, time
    from http.server import BaseHTTPRequestHandler, HTTPServer

    args = sys.argv[1:]
    if args == ["--version"]:
        print("0.0.0-stand-in")
        sys.exit(0)
    model, port = args[1], int(args[args.index("--port") + 1])
    name = args[args.index("--served-model-name") + 1]
    if model == "dies":
        print("loading weights", flush=True)
        print("torch.OutOfMemoryError: CUDA out of memory", file=sys.stderr, flush=True)
        sys.exit(3)
    if model == "ignores-sigterm":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if model == "never-ready":
        time.sleep(3600)
    time.sleep(0.5)

    class Models(BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"object": "list", "data": [{"id": name, "object": "model"}]}).encode()
            self.send_response(200 if self.path == "/v1/models" else 404)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    HTTPServer(("127.0.0.1", port), Models).serve_forever()
    """
)


@pytest.fixture
def stand_in(tmp_path: Path) -> tuple[str, ...]:
    script = tmp_path / "vllm_stand_in.py"
    script.write_text(STAND_IN_VLLM)
    return (sys.executable, str(script))


def port_is_released(port: int) -> bool:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as any server binding it would
        probe.bind(("127.0.0.1", port))
    return True


@pytest.mark.parametrize(
    ("model", "parser"),
    [
        ("Qwen/Qwen2.5-Coder-7B-Instruct", "hermes"),
        ("meta-llama/Llama-3.1-8B-Instruct", "llama3_json"),
        ("mistralai/Mistral-7B-Instruct-v0.3", "mistral"),
        ("mistralai/Devstral-Small-2505", "mistral"),
        ("google/gemma-2-9b-it", "hermes"),
    ],
)
def test_vllm_gets_the_tool_call_parser_of_the_model_family(model: str, parser: str):
    assert tool_call_parser_for(model) == parser


def test_vllm_command_serves_on_loopback_with_tools_on():
    server = VllmServer("Qwen/Qwen2.5-Coder-7B-Instruct", gpus=2, port=8123, extra_args=["--dtype", "bfloat16"])

    assert server.command() == [
        "vllm",
        "serve",
        "Qwen/Qwen2.5-Coder-7B-Instruct",
        "--host",
        "127.0.0.1",
        "--port",
        "8123",
        "--served-model-name",
        "Qwen2.5-Coder-7B-Instruct",
        "--tensor-parallel-size",
        "2",
        "--enable-auto-tool-choice",
        "--tool-call-parser",
        "hermes",
        "--dtype",
        "bfloat16",
    ]
    assert server.base_url == "http://127.0.0.1:8123/v1"


def test_vllm_flags_given_by_the_user_win_over_the_defaults():
    server = VllmServer("/models/my-llama", served_model_name="mine", extra_args=["--tool-call-parser=pythonic"])

    command = server.command()

    assert "--tool-call-parser" not in command and command[-1] == "--tool-call-parser=pythonic"
    assert command[command.index("--served-model-name") + 1] == "mine"
    assert server.serving_config()["tool_call_parser"] == "pythonic"


async def test_vllm_lifecycle_waits_for_models_then_stops(stand_in: tuple[str, ...]):
    server = VllmServer("Qwen/Qwen2.5-Coder-0.5B-Instruct", executable=stand_in, extra_args=["--quantization", "awq"])

    async with server:
        listing = httpx.get(f"{server.base_url}/models").json()
        assert listing["data"][0]["id"] == "Qwen2.5-Coder-0.5B-Instruct"
        config = server.serving_config()
    assert not server.running
    assert port_is_released(server.port)
    assert server.log_path is not None and not server.log_path.exists()  # a clean stop leaves no log behind
    assert config["engine_version"] == "0.0.0-stand-in"
    assert (config["quantization"], config["dtype"], config["tensor_parallel_size"]) == ("awq", "auto", "1")
    assert config["command"].endswith("--tool-call-parser hermes --quantization awq")


async def test_a_server_that_dies_before_ready_says_why(stand_in: tuple[str, ...]):
    server = VllmServer("dies", executable=stand_in)

    with pytest.raises(ServerStartError) as failure:
        await server.start()

    message = str(failure.value)
    assert message.startswith("vLLM server exited with code 3 before answering on http://127.0.0.1:")
    assert "CUDA out of memory" in message and "loading weights" in message
    assert not server.running
    assert server.log_path is not None and f"({server.log_path})" in message
    assert "CUDA out of memory" in server.log_path.read_text()  # kept for the user to read
    server.log_path.unlink()


async def test_a_server_that_never_answers_times_out_and_is_stopped(stand_in: tuple[str, ...]):
    server = VllmServer("never-ready", executable=stand_in, ready_timeout_s=1)
    started = time.monotonic()

    with pytest.raises(ServerStartError, match=r"did not answer on .* within 1s"):
        await server.start()

    assert time.monotonic() - started < 10
    assert not server.running
    assert server.log_path is not None and server.log_path.exists()
    server.log_path.unlink()


async def test_stop_kills_a_server_that_ignores_sigterm(stand_in: tuple[str, ...]):
    server = VllmServer("ignores-sigterm", executable=stand_in)
    await server.start()
    started = time.monotonic()

    await server.stop(grace_s=0.5)

    assert time.monotonic() - started < 5
    assert server.returncode == -9
    assert port_is_released(server.port)


async def test_a_missing_executable_is_a_clear_error(tmp_path: Path):
    server = VllmServer("Qwen/Qwen2.5-Coder-7B-Instruct", executable=[str(tmp_path / "no-vllm-here")])

    with pytest.raises(ServerStartError, match="could not start vLLM server"):
        await server.start()


def test_the_local_server_needs_pulled_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))

    with pytest.raises(WeightsError, match=r"run `solvemeter model pull qwen2\.5-coder-0\.5b`"):
        LocalServer("local/qwen2.5-coder-0.5b")


@pytest.mark.model
async def test_the_local_model_answers_a_chat_completion_and_releases_its_port():
    if not weights.model_path(weights.DEFAULT_MODEL).is_file():
        pytest.skip("run `solvemeter model pull` to pull the default model first")
    server = LocalServer(parallel=2, context_per_slot=8192)

    async with server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=120) as client:
            reply = await client.post(
                "/chat/completions",
                json={
                    "model": server.served_model_name,
                    "messages": [{"role": "user", "content": "Reply with the single word: ready"}],
                    "max_tokens": 8,
                    "temperature": 0,
                },
            )
        config = server.serving_config()

    assert reply.status_code == 200
    body = reply.json()
    assert body["choices"][0]["message"]["content"].strip()
    assert body["usage"]["completion_tokens"] > 0
    assert (config["quantization"], config["parallel_slots"], config["context_per_slot"]) == (
        "Q4_K - Medium",
        "2",
        "8192",
    )
    assert not server.running
    assert port_is_released(server.port)
