"""Bring your own LangGraph agent: examples/graph_agent.py runs against a scripted endpoint (replies come from a
script, not a model) with the run's tools, meter, budgets and records — exactly what a built-in agent gets."""

from __future__ import annotations

from pathlib import Path

import pytest

import solvemeter
from solvemeter.agents.scripted import ScriptedEndpoint, tool_call_message
from tests.factories import make_qa_pack

GRAPH = "examples.graph_agent:graph"


@pytest.fixture
def prices(tmp_path: Path) -> Path:
    path = tmp_path / "prices.toml"
    path.write_text('version = "test-1"\n[models."scripted"]\ninput = 1.0\noutput = 2.0\n')
    return path


def count_then_submit(n: int, body: dict) -> str | dict:
    """Scripted: run `wc -l`, then submit the count it printed (read back from the tool message)."""
    if n == 1:
        return tool_call_message("bash", {"command": "wc -l < files/data.txt"}, "call-1")
    seen = body["messages"][-1]["content"]
    return tool_call_message("submit", {"answer": seen.splitlines()[-1].strip()}, "call-2")


async def test_a_users_graph_solves_a_task_with_the_sandbox_tools_and_is_metered_like_a_builtin(
    tmp_path: Path, prices: Path
) -> None:
    pack = make_qa_pack(tmp_path / "pack", answers=["3"])
    async with ScriptedEndpoint(count_then_submit, tokens_per_reply=7) as endpoint:
        run = await solvemeter.arun(
            pack,
            agent=GRAPH,
            model="openai/scripted",
            base_url=endpoint.base_url,
            prices=prices,
            run_dir=tmp_path / "run",
            progress=False,
        )
    [result] = run.results
    assert result.outcome.value == "solved" and result.agent == GRAPH
    assert result.steps == 2 and result.tool_calls == 1 and result.output_tokens == 14
    assert result.cost_usd == pytest.approx((result.input_tokens * 1.0 + 14 * 2.0) / 1e6)
    trajectory = run.trajectory("question-01")
    bash = trajectory.steps[0].tool_calls[0]
    assert bash.name == "bash" and bash.observation.strip() == "3" and bash.exit_code == 0
    assert trajectory.steps[0].messages_in[1].content.startswith("Answer the question below")
    assert run.manifest.agent.config["nodes"] == "__end__,__start__,act,think"
    assert run.manifest.price_table_version.endswith("+test-1")


async def test_a_users_graph_is_stopped_by_the_step_budget_before_an_unaffordable_call(tmp_path: Path) -> None:
    pack = make_qa_pack(tmp_path / "pack", answers=["3"])
    forever = lambda n, body: tool_call_message("bash", {"command": "true"}, f"call-{n}")  # noqa: E731
    async with ScriptedEndpoint(forever) as endpoint:
        run = await solvemeter.arun(
            pack,
            agent=GRAPH,
            model="openai/scripted",
            base_url=endpoint.base_url,
            no_cost=True,
            max_steps=3,
            run_dir=tmp_path / "run",
            progress=False,
        )
        calls = len(endpoint.requests)
    [result] = run.results
    assert result.outcome.value == "budget_exhausted" and result.stop_reason.value == "max_steps"
    assert result.steps == 3 and calls == 3 and result.tool_calls == 3 and result.cost_usd is None


async def test_an_endpoint_that_keeps_failing_is_an_infra_error_not_the_graphs_failure(tmp_path: Path) -> None:
    pack = make_qa_pack(tmp_path / "pack", answers=["3"])
    async with ScriptedEndpoint(lambda n, body: 500) as endpoint:
        run = await solvemeter.arun(
            pack,
            agent=GRAPH,
            model="openai/scripted",
            base_url=endpoint.base_url,
            no_cost=True,
            run_dir=tmp_path / "run",
            progress=False,
        )
    [result] = run.results
    assert result.outcome.value == "infra_error" and "Error code: 500" in (result.error or "")
