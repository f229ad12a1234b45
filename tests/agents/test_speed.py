"""Speed is recorded beside success: time to first token and output tokens per second per step and per episode,
and model time apart from tool time — measured against a scripted endpoint (replies from a script, not a model)
whose delays are known in advance."""

from __future__ import annotations

from pathlib import Path

import pytest

from solvemeter.agents.scripted import ScriptedEndpoint
from solvemeter.agents.shell import ShellAgent
from solvemeter.runs.records import Outcome
from solvemeter.tasks.models import Pack
from tests.agents.scripted_runs import SUBMIT, client, run

FIRST_TOKEN_S = 0.3
BETWEEN_TOKENS_S = 0.02
TOKENS = 11  # ten gaps between eleven tokens: 0.2 s of generation, 50 tokens/s after the first
FIX_SLOWLY = "```bash\nsleep 0.5; sed -i 's/a - b/a + b/' calc/__init__.py\n```"


async def test_each_step_records_time_to_first_token_and_output_speed(pack: Pack, tmp_path: Path) -> None:
    endpoint = ScriptedEndpoint(
        lambda n, body: [FIX_SLOWLY, SUBMIT][n - 1],
        delay_s=FIRST_TOKEN_S,
        tokens_per_reply=TOKENS,
        token_delay_s=BETWEEN_TOKENS_S,
    )
    async with endpoint:
        result, trajectory = await run(pack, ShellAgent(client(endpoint)), tmp_path)
    assert result.outcome is Outcome.SOLVED and result.timing is not None
    for step in trajectory["steps"]:
        assert FIRST_TOKEN_S <= step["ttft_s"] < FIRST_TOKEN_S + 0.15
        assert 25 < step["output_tokens_per_s"] <= TOKENS / ((TOKENS - 1) * BETWEEN_TOKENS_S)
    timing = result.timing
    assert FIRST_TOKEN_S <= timing.ttft_s < FIRST_TOKEN_S + 0.15
    assert 25 < timing.output_tokens_per_s <= TOKENS / ((TOKENS - 1) * BETWEEN_TOKENS_S)
    assert timing.model_s == pytest.approx(sum(s["latency_s"] for s in trajectory["steps"]), abs=1e-3)
    assert 2 * (FIRST_TOKEN_S + 0.2) <= timing.model_s < 2 * (FIRST_TOKEN_S + 0.2) + 0.4
    assert 0.5 <= timing.tool_s < 1.0  # the one command slept 0.5 s
    assert timing.model_s + timing.tool_s <= result.wall_s


async def test_a_reply_all_at_once_has_a_first_token_but_no_speed(pack: Pack, tmp_path: Path) -> None:
    async with ScriptedEndpoint(lambda n, body: SUBMIT, delay_s=0.2, tokens_per_reply=1) as endpoint:
        result, trajectory = await run(pack, ShellAgent(client(endpoint)), tmp_path)
    (step,) = trajectory["steps"]
    assert step["ttft_s"] >= 0.2 and result.timing is not None and result.timing.ttft_s >= 0.2
    assert step["output_tokens_per_s"] is None and result.timing.output_tokens_per_s is None
