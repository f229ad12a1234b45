"""The `solvemeter` command. Errors a user can fix print one line and exit 2; exit 1 means "checked, and failed"."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from rich.console import Console
from rich.table import Table

from solvemeter.errors import SolvemeterError
from solvemeter.suite.choices import SandboxChoice, make_backend, make_run_request
from solvemeter.suite.executor import execute
from solvemeter.suite.swebench_cli import uses_images
from solvemeter.suite.validate import validate_pack
from solvemeter.tasks.loader import builtin_pack_names, load_pack
from solvemeter.tasks.models import Budget

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
pack_app = typer.Typer(no_args_is_help=True, help="List, inspect and validate task packs.")
app.add_typer(pack_app, name="pack")
console = Console()
err = Console(stderr=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object for scripts.")]
SandboxOpt = Annotated[SandboxChoice, typer.Option("--sandbox", help="Where episodes run.")]
SplitOpt = Annotated[str | None, typer.Option(help="Split of a dataset named by --pack (default: test).")]
RevisionOpt = Annotated[str | None, typer.Option(help="Revision (hub commit) of a dataset named by --pack.")]


@pack_app.command("list")
def pack_list(as_json: JsonFlag = False) -> None:
    """The built-in packs."""
    packs = [load_pack(name, check_patches=False) for name in builtin_pack_names()]
    rows = [
        {
            "name": p.name,
            "version": p.version,
            "kind": p.kind.value,
            "tasks": len(p.tasks),
            "description": p.manifest.description,
        }
        for p in packs
    ]
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table("pack", "version", "kind", "tasks", "description")
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    console.print(table)


@pack_app.command("show")
def pack_show(name: str, as_json: JsonFlag = False) -> None:
    """A pack's tasks, with difficulty or level and tags."""
    pack = load_pack(name)
    tasks: list[dict[str, Any]] = [
        {
            "id": t.id,
            "difficulty": t.difficulty,
            "level": t.level,
            "tags": list(t.spec.tags),
            "problem": t.problem.strip().splitlines()[0][:80],
        }
        for t in pack.tasks
    ]
    if as_json:
        meta = pack.manifest.model_dump(mode="json")
        print(json.dumps({**meta, "content_hash": pack.content_hash, "tasks": tasks}, indent=2))
        return
    console.print(f"[bold]{pack.name}[/] {pack.version} ({pack.kind.value}) — {pack.manifest.description}")
    console.print(f"license {pack.manifest.license}; content {pack.content_hash}")
    table = Table("task", "difficulty / level", "tags", "problem")
    for t in tasks:
        table.add_row(t["id"], str(t["difficulty"] or t["level"]), ", ".join(t["tags"]), t["problem"])
    console.print(table)


@pack_app.command("validate")
def pack_validate(
    name_or_path: str,
    sandbox: SandboxOpt = SandboxChoice.bwrap,
    as_json: JsonFlag = False,
    concurrency: Annotated[int, typer.Option(min=1)] = 2,
    split: SplitOpt = None,
    revision: RevisionOpt = None,
) -> None:
    """Oracle scores 1 and null 0 on every task, hidden files stay hidden, results are stable. Exit 1 if not."""
    pack = load_pack(name_or_path, split=split, revision=revision, images=uses_images(sandbox))
    report = asyncio.run(validate_pack(pack, make_backend(sandbox), concurrency=concurrency))
    if as_json:
        print(report.model_dump_json(indent=2))
    else:
        console.print(
            f"{report.pack} {report.version}: {report.tasks} tasks, oracle {report.oracle_rate:.2f}, "
            f"null {report.null_rate:.2f}, stable {report.oracle_runs_agree}, {report.wall_s:.1f}s on {report.sandbox}"
        )
        for problem in report.problems:
            console.print(f"  [red]✗[/] {problem}")
        for broken in report.broken_environments:
            console.print(f"  [yellow]![/] environment broken (not the task's fault): {broken}")
        if report.ok:
            console.print("[green]pack is sound[/]")
    if not report.ok:
        raise typer.Exit(1)


def default_run_dir(agent: str, packs: list[str]) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{stamp}-{'+'.join(packs)}-{agent}"


@app.command("run")
def run(
    pack: Annotated[
        list[str], typer.Option("--pack", help="Pack name or path, SWE-bench file or dataset; repeat for several.")
    ],
    agent: Annotated[str, typer.Option(help="oracle | null | shell | react")] = "shell",
    model: Annotated[str | None, typer.Option(help="local/<name>, vllm/<name> or openai/<name>.")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint (vllm/, openai/).")] = None,
    epochs: Annotated[int, typer.Option(min=1)] = 1,
    concurrency: Annotated[int, typer.Option(min=1)] = 2,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N tasks of each pack.")] = None,
    sandbox: SandboxOpt = SandboxChoice.bwrap,
    run_dir: Annotated[Path | None, typer.Option(help="Resume by passing an existing run directory.")] = None,
    max_steps: Annotated[int | None, typer.Option(min=1)] = None,
    max_tokens: Annotated[int | None, typer.Option(min=1)] = None,
    max_cost: Annotated[float | None, typer.Option(help="Dollars per episode.")] = None,
    max_wall: Annotated[float | None, typer.Option(help="Seconds per episode.")] = None,
    no_cost: Annotated[bool, typer.Option("--no-cost", help="Run unpriced; reports say 'unpriced'.")] = False,
    prices: Annotated[Path | None, typer.Option(help="Your own price table (TOML).")] = None,
    retry_errors: Annotated[bool, typer.Option(help="Re-run episodes recorded as infra_error.")] = False,
    seed: int = 0,
    repos: Annotated[
        Path | None,
        typer.Option(envvar="SOLVEMETER_REPOS", help="owner__name clones for SWE-bench .json/.jsonl packs."),
    ] = None,
    split: SplitOpt = None,
    revision: RevisionOpt = None,
) -> None:
    """Run an agent on packs; resumable: the same --run-dir skips finished (task, epoch) pairs."""
    images = uses_images(sandbox)
    packs = [load_pack(p, repos=repos, split=split, revision=revision, images=images) for p in pack]
    target = run_dir or default_run_dir(agent, [p.name for p in packs])
    budget = Budget(max_steps=max_steps, max_tokens=max_tokens, max_cost_usd=max_cost, max_wall_s=max_wall)

    async def go() -> None:
        async with make_run_request(
            packs=packs,
            agent=agent,
            model=model,
            base_url=base_url,
            sandbox=sandbox,
            run_dir=target,
            budget=budget,
            epochs=epochs,
            concurrency=concurrency,
            limit=limit,
            no_cost=no_cost,
            prices=prices,
            retry_errors=retry_errors,
            seed=seed,
        ) as request:
            result = await execute(request)
        solved = sum(r.resolved for r in result.results)
        console.print(f"{len(result.results)} episodes, {solved} solved — run directory: {target}")
        console.print(f"next: solvemeter report {target}")

    asyncio.run(go())


def _register_areas() -> None:
    from solvemeter.agents.cli import register as register_agents
    from solvemeter.sandboxes.cli import register as register_sandboxes
    from solvemeter.scoring.cli import register as register_scoring
    from solvemeter.suite.grid import register as register_grid
    from solvemeter.suite.swebench_cli import register as register_swebench

    for register in (register_scoring, register_agents, register_sandboxes, register_grid, register_swebench):
        register(app)


def main() -> None:
    _register_areas()
    try:
        code = app(standalone_mode=False)
    except SolvemeterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except click.exceptions.Abort:
        err.print("aborted")
        sys.exit(130)
    except click.exceptions.ClickException as exc:
        exc.show()
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
