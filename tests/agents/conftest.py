"""The pack the agents' tests run on: one swe task (calc.add subtracts), written by the tests themselves."""

from __future__ import annotations

import pytest

from solvemeter.tasks.loader import load_pack
from solvemeter.tasks.models import Pack
from tests.factories import make_swe_pack


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Pack:
    return load_pack(make_swe_pack(tmp_path_factory.mktemp("agents") / "tiny"))
