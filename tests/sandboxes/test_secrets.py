"""Nothing secret reaches a sandbox: the runner's environment (API keys) and its files stay outside.

Each test runs on a real bubblewrap sandbox and on a real Docker container (see tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from solvemeter.sandboxes.base import SandboxBackend
from tests.sandboxes.probes import Planted, plant_host_files
from tests.sandboxes.test_contract import make_spec

PROBE_TIMEOUT_S = 300
SANDBOX_VARIABLES = {"PATH", "HOME", "LANG", "TERM", "PYTHONDONTWRITEBYTECODE", "VIRTUAL_ENV"}
SET_BY_BASH = {"PWD", "OLDPWD", "SHLVL", "_"}
SET_BY_DOCKER = {"HOSTNAME", "SOLVEMETER_EXEC"}  # the container's name, and the per-command token (docker.py)


@pytest.fixture
def planted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Planted]:
    secret = Planted.new()
    for variable in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "HF_TOKEN"):
        monkeypatch.setenv(variable, secret.secret)
    files = plant_host_files(secret, tmp_path)
    try:
        yield secret
    finally:
        for path in files:
            path.unlink(missing_ok=True)


async def test_the_runners_secrets_are_nowhere_in_the_sandbox(
    backend: SandboxBackend, planted: Planted, tmp_path: Path
) -> None:
    sandbox = await backend.open(make_spec(tmp_path))
    try:
        await sandbox.write_file("/workspace/notes.txt", f"in reach: {planted.canary}\n".encode())
        result = await sandbox.exec(planted.command(), timeout=PROBE_TIMEOUT_S, env={"CANARY": planted.canary})
    finally:
        await sandbox.close()
    assert not result.timed_out and "probe-complete" in result.stdout, result.stderr[-2000:]
    canary_seen = planted.places(result.stdout, planted.canary)
    assert "/workspace/notes.txt" in canary_seen, "the probe does not read files"
    assert any(p.endswith("/environ") for p in canary_seen), "the probe does not read environments"
    assert planted.places(result.stdout, planted.secret) == []
    assert planted.secret not in result.output


async def test_commands_see_only_the_sandboxes_own_variables(backend: SandboxBackend, planted: Planted, tmp_path):
    sandbox = await backend.open(make_spec(tmp_path))
    try:
        result = await sandbox.exec("env -0 | tr '\\0' '\\n' | cut -d= -f1 | sort", timeout=30)
    finally:
        await sandbox.close()
    names = set(result.stdout.split())
    assert {"PATH", "HOME", "LANG"} <= names
    assert names <= SANDBOX_VARIABLES | SET_BY_BASH | SET_BY_DOCKER, names - SANDBOX_VARIABLES
