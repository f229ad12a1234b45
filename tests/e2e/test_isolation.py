"""What an agent tries inside an episode: writing outside its workspace, reaching the network, reading the
pack's hidden material. Each attempt fails inside the sandbox, and the episode is graded as usual."""

from __future__ import annotations

from pathlib import Path

import pytest

from solvemeter.agents.base import NoModel
from solvemeter.runs.records import Outcome
from solvemeter.sandboxes.base import Limits
from solvemeter.sandboxes.bwrap import BwrapBackend
from solvemeter.suite.episode import Episode, EpisodePlan
from solvemeter.tasks.loader import load_pack
from solvemeter.tasks.models import Budget
from tests.factories import CommandAgent, make_swe_pack


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory):
    return load_pack(make_swe_pack(tmp_path_factory.mktemp("isolation") / "tiny"))


async def attempt(pack, *commands: str) -> tuple[CommandAgent, object]:
    agent = CommandAgent(*commands)
    plan = EpisodePlan("t", pack, pack.tasks[0], 1, Budget(), Limits(), hidden=(pack.root,))
    result, _ = await Episode(plan, agent, BwrapBackend(), NoModel()).run()
    return agent, result


async def test_writes_outside_the_workspace_fail(pack, tmp_path: Path) -> None:
    target = tmp_path / "escaped"
    agent, result = await attempt(pack, f"echo x > {target}", "echo x > /usr/local/escaped", "echo x > /escaped")
    assert all(not r.ok for r in agent.results)
    assert not target.exists() and not Path("/usr/local/escaped").exists()
    assert result.outcome is Outcome.FAILED


async def test_the_network_is_unreachable(pack) -> None:
    probe = (
        'python3 -c "import socket; s=socket.socket(); s.settimeout(3); '
        "s.connect(('1.1.1.1', 443)); print('connected')\""
    )
    agent, _ = await attempt(pack, probe, "getent hosts example.org || echo no-dns")
    assert not agent.results[0].ok and "connected" not in agent.results[0].stdout
    assert "no-dns" in agent.results[1].stdout


async def test_hidden_tests_and_the_reference_patch_are_not_reachable(pack) -> None:
    task = pack.tasks[0]
    agent, _ = await attempt(
        pack,
        f"cat {task.solution_patch}",
        f"ls {task.hidden_tests}",
        # the hidden test's own line, anywhere in the file system the agent can see
        "grep -rlF 'assert add(2, 3) == 5' / --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev 2>/dev/null; true",
    )
    assert not agent.results[0].ok and not agent.results[1].ok
    assert agent.results[2].stdout.strip() == ""
