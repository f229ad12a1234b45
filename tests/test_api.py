"""The Python API: docs/python.md's example runs as written, and the API keeps `import solvemeter` light."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import solvemeter
from solvemeter.errors import SolvemeterError
from tests.factories import make_qa_pack

DOC = Path(__file__).parents[1] / "docs" / "python.md"


def test_the_documented_example_runs_and_reads_back_its_run(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    [example] = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL)
    exec(compile(example, str(DOC), "exec"), {"RUN_DIR": tmp_path / "run"})
    printed = capsys.readouterr().out
    assert "solved 3/3: 100%" in printed and "oracle sha256:" in printed
    assert re.search(r"outcome\s*\nsolved\s+3", printed)


def test_a_run_started_again_with_the_same_directory_resumes_instead_of_rerunning(tmp_path: Path) -> None:
    pack = make_qa_pack(tmp_path / "pack", answers=["1", "2"])
    first = solvemeter.run(pack, agent="oracle", limit=1, run_dir=tmp_path / "run", progress=False)
    second = solvemeter.run(pack, agent="oracle", limit=1, run_dir=tmp_path / "run", progress=False)
    assert [r.finished_at for r in second.results] == [r.finished_at for r in first.results]


def test_a_bad_option_is_one_sentence_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(SolvemeterError, match=r"no sandbox backend named 'vm'.*known: .*bwrap"):
        solvemeter.run("qa-mini", agent="oracle", sandbox="vm", run_dir=tmp_path / "run")
    with pytest.raises(SolvemeterError, match="--max-steps 0 is not allowed"):
        solvemeter.run("qa-mini", agent="oracle", max_steps=0, run_dir=tmp_path / "run")


def test_importing_solvemeter_imports_neither_the_api_nor_its_dependencies() -> None:
    probe = "import sys, solvemeter; print(sorted(m for m in ('solvemeter.api', 'pydantic', 'langgraph', 'rich') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
