"""Prices: token-priced calls, self-hosted servers shared by time in flight, and no model ever silently free."""

from __future__ import annotations

from pathlib import Path

import pytest

from solvemeter.agents.pricing import CpuPrice, GpuPrice, PriceTable, ServerClock, TokenPrice, TokenPricer
from solvemeter.errors import PriceError


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def shipped() -> PriceTable:
    return PriceTable.load()


def test_a_call_costs_its_tokens_at_the_listed_rates():
    price = TokenPrice(input=2.50, cached_input=1.25, output=10.00)

    assert price.cost(input_tokens=1_000_000, output_tokens=0) == pytest.approx(2.50)
    assert price.cost(input_tokens=2_000, output_tokens=500) == pytest.approx(0.005 + 0.005)


def test_cached_prompt_tokens_are_billed_at_the_cached_rate():
    price = TokenPrice(input=2.00, cached_input=0.50, output=8.00)

    # 10k prompt tokens of which 8k came from the cache: 2k at $2, 8k at $0.50, 1k output at $8 (per million).
    assert price.cost(input_tokens=10_000, output_tokens=1_000, cached_input_tokens=8_000) == pytest.approx(
        0.004 + 0.004 + 0.008
    )


def test_without_a_cached_rate_cached_tokens_cost_full_price():
    price = TokenPrice(input=1.00, output=1.00)

    assert price.cost(1_000_000, 0, cached_input_tokens=1_000_000) == pytest.approx(1.00)
    with pytest.raises(ValueError, match="inconsistent token counts"):
        price.cost(10, 0, cached_input_tokens=11)


def test_the_shipped_table_is_versioned_and_prices_known_hosted_models(shipped: PriceTable):
    assert shipped.version
    assert shipped.price_for("openai/gpt-4o-mini") == TokenPrice(input=0.15, cached_input=0.075, output=0.60)
    assert shipped.price_for("openai/gpt-4o-2024-08-06") == shipped.price_for("openai/gpt-4o")
    assert shipped.price_for("openai/anthropic/claude-sonnet-4") == shipped.price_for("openai/claude-sonnet-4")
    assert shipped.call_cost("openai/gpt-4.1", 1_000_000, 1_000_000) == pytest.approx(10.00)


def test_an_unknown_model_is_an_error_that_says_how_to_fix_it(shipped: PriceTable):
    assert shipped.price_for("openai/my-private-model") is None

    with pytest.raises(PriceError) as failure:
        shipped.endpoint_price("openai/my-private-model")

    assert "no token price for openai/my-private-model" in str(failure.value)
    assert "--prices" in str(failure.value) and "--no-cost" in str(failure.value)


def test_self_hosted_models_are_priced_by_server_time_never_zero(shipped: PriceTable):
    local = shipped.endpoint_price("local/qwen2.5-coder-0.5b", cpu_cores=2)
    vllm = shipped.endpoint_price("vllm/Qwen2.5-Coder-7B-Instruct", gpus=2, gpu_type="h100")

    assert isinstance(local, CpuPrice) and local.usd_per_hour > 0 and local.cores == 2
    assert vllm == GpuPrice(usd_per_gpu_hour=shipped.compute.gpu_usd_per_hour["h100"], gpus=2)
    assert shipped.price_for("vllm/gpt-4o") is None  # a served name never borrows a hosted price
    with pytest.raises(PriceError, match="no hourly price for GPU type 'tpu-v9'"):
        shipped.gpu_price(1, "tpu-v9")


def test_a_user_price_file_overrides_and_extends_the_shipped_one(tmp_path: Path, shipped: PriceTable):
    mine = tmp_path / "prices.toml"
    mine.write_text(
        'version = "acme-2025-q3"\n'
        "[compute]\ncpu_usd_per_core_hour = 0.01\n"
        "[compute.gpu_usd_per_hour]\nh100 = 1.99\n"
        '[models."gpt-4o"]\ninput = 1.0\noutput = 2.0\n'
        '[models."openai/acme-coder"]\ninput = 0.5\noutput = 1.5\n'
    )

    table = PriceTable.load(mine)

    assert table.version == f"{shipped.version}+acme-2025-q3"
    assert table.price_for("openai/gpt-4o") == TokenPrice(input=1.0, output=2.0)
    assert table.price_for("openai/acme-coder") == TokenPrice(input=0.5, output=1.5)
    assert table.price_for("openai/gpt-4o-mini") == shipped.price_for("openai/gpt-4o-mini")
    assert table.compute.cpu_usd_per_core_hour == 0.01
    assert table.compute.gpu_usd_per_hour["h100"] == 1.99
    assert table.compute.gpu_usd_per_hour["a100"] == shipped.compute.gpu_usd_per_hour["a100"]


def test_a_user_file_without_a_version_is_versioned_by_its_content(tmp_path: Path, shipped: PriceTable):
    mine = tmp_path / "prices.toml"
    mine.write_text('[models."m"]\ninput = 1\noutput = 1\n')

    assert PriceTable.load(mine).version.startswith(f"{shipped.version}+sha256:")


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ('[models."m"]\ninput = -1\noutput = 1\n', r"malformed at models\.m\.input"),
        ('[models."m"]\ninput = 1\n', r"malformed at models\.m\.output"),
        ("[models\n", "not valid TOML"),
        ("currency = 'EUR'\n", "malformed at currency"),
    ],
)
def test_a_malformed_price_file_is_rejected_with_where(tmp_path: Path, content: str, complaint: str):
    bad = tmp_path / "prices.toml"
    bad.write_text(content)

    with pytest.raises(PriceError, match=complaint):
        PriceTable.load(bad)


def test_a_missing_price_file_is_named(tmp_path: Path):
    with pytest.raises(PriceError, match="does not exist"):
        PriceTable.load(tmp_path / "nope.toml")


def test_token_pricer_prices_each_call():
    pricer = TokenPricer(TokenPrice(input=1.0, cached_input=0.1, output=4.0))

    assert pricer.call_cost(1_000, 500, 250, latency_s=3.0) == pytest.approx((500 * 1.0 + 500 * 0.1 + 250 * 4.0) / 1e6)


def test_gpu_time_is_shared_by_the_episodes_in_flight():
    # 2 GPUs at $1.80 each: $3.60/hour = $0.001 a second.
    clock_time = FakeTime()
    clock = ServerClock(GpuPrice(usd_per_gpu_hour=1.80, gpus=2), now=clock_time)
    clock_time.now = 10  # 10 s of start-up, nothing in flight
    clock.begin("a")
    clock_time.now = 20  # a alone for 10 s
    clock.begin("b")
    clock_time.now = 30  # a and b together for 10 s
    a = clock.end("a")
    clock_time.now = 40  # b alone for 10 s
    b = clock.end("b")
    clock_time.now = 50  # 10 s idle before the server stops
    clock.stop()
    clock_time.now = 99  # a stopped server costs nothing more

    assert a == pytest.approx(0.010 + 0.005)
    assert b == pytest.approx(0.005 + 0.010)
    assert clock.idle_usd == pytest.approx(0.020)
    assert clock.total_usd == pytest.approx(0.050)
    settled = clock.settle()
    assert settled == pytest.approx({"a": 0.025, "b": 0.025})
    assert sum(settled.values()) == pytest.approx(clock.total_usd)


def test_cpu_time_of_the_local_model_is_shared_the_same_way():
    clock_time = FakeTime()
    clock = ServerClock(CpuPrice(usd_per_core_hour=0.036, cores=2), now=clock_time)  # $0.00002 a second
    for key in ("x", "y", "z"):
        clock.begin(key)
    clock_time.now = 30

    shares = [clock.end(key) for key in ("x", "y", "z")]

    assert shares == pytest.approx([0.0002] * 3)
    assert clock.idle_usd == 0


def test_an_episode_pricer_charges_its_running_share_per_call_and_the_rest_at_close():
    clock_time = FakeTime()
    clock = ServerClock(GpuPrice(usd_per_gpu_hour=3.60), now=clock_time)  # $0.001 a second
    other = clock.pricer("other")
    mine = clock.pricer("mine")

    clock_time.now = 4  # both in flight: $0.002 each
    first = mine.call_cost(100, 0, 10, latency_s=4.0)
    other.close()
    clock_time.now = 6  # mine alone: $0.002
    second = mine.call_cost(100, 0, 10, latency_s=2.0)
    clock_time.now = 7  # tool time after the last call: $0.001
    tail = mine.close()

    assert (first, second, tail) == pytest.approx((0.002, 0.002, 0.001))
    assert first + second + tail == pytest.approx(clock.share("mine"))
    with pytest.raises(ValueError, match="already began"):
        clock.begin("mine")
