"""SWE-bench instance files (JSON array or JSONL, as published) loaded as a swe Pack.

Each instance's repository comes from a local mirror (``--repos DIR`` holding ``owner__name`` clones, bare or
not) or, where a network exists, is cloned from ``SOLVEMETER_CLONE_URL`` (a template such as
``https://<host>/{repo}.git``). The tree at ``base_commit`` is materialised once into the cache, without its
history and without the test patch: that tree is what the agent sees. How each instance is graded (test
command, install commands, log parser) is resolved here into a ``SweBenchSpec``; see docs/swebench.md.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import pkgutil
import re
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, ValidationError

from solvemeter.errors import PackError
from solvemeter.tasks.models import (
    TASK_ID_PATTERN,
    Environment,
    Frozen,
    Pack,
    PackKind,
    PackManifest,
    SweBenchSpec,
    SweSpec,
    SweTask,
)
from solvemeter.tasks.swebench_repos import (
    CLONE_URL_VARIABLE,
    REPOS_VARIABLE,
    RepoSource,
    instances_cache,
    materialise,
    write_patches,
)

__all__ = ["CLONE_URL_VARIABLE", "REPOS_VARIABLE", "SweBenchInstance", "load_swebench_pack", "read_instances"]

REPO_PATTERN = r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"
TOOLING = ("pytest", "pip", "setuptools", "wheel")
"""Always in an instance's environment: the default test runner, and what an offline ``pip install -e .`` needs."""
DEFAULT_INSTALL = "python -m pip install --quiet --no-deps --no-build-isolation --no-index -e ."
DEFAULT_TEST_COMMAND = "python -m pytest -rA -p no:cacheprovider"
DEFAULT_PARSER = "parse_log_pytest"
SWEBENCH_WORKDIR = "/testbed"
"""Where SWE-bench's images keep the repository; eval scripts name it, our sandboxes call it /workspace."""
DIFFICULTY: dict[str, Literal["easy", "medium", "hard"]] = {
    "<15 min fix": "easy",
    "15 min - 1 hour": "medium",
    "1-4 hours": "hard",
    ">4 hours": "hard",
}
_DIFF_HEADER = re.compile(r"^diff --git a/(\S+) b/(\S+)$", re.MULTILINE)


def _list_of_strings(value: Any) -> Any:
    """SWE-bench publishes list fields as JSON-encoded strings; local files often hold real lists."""
    if isinstance(value, str):
        text = value.strip()
        if not text.startswith("["):
            return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            raise ValueError("is a string but not a JSON-encoded list") from None
    return value


def _commands(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


StringList = Annotated[tuple[str, ...], BeforeValidator(_list_of_strings)]
Commands = Annotated[tuple[str, ...], BeforeValidator(_commands)]


class SweBenchInstance(Frozen):
    """One instance as SWE-bench publishes it, plus solvemeter's optional per-instance overrides."""

    model_config = ConfigDict(extra="ignore")

    instance_id: str = Field(min_length=1)
    repo: str = Field(pattern=REPO_PATTERN)
    base_commit: str = Field(pattern=r"^[0-9a-fA-F]{7,40}$")
    patch: str = ""
    test_patch: str = Field(min_length=1)
    problem_statement: str
    FAIL_TO_PASS: StringList = Field(min_length=1)
    PASS_TO_PASS: StringList = ()
    version: Annotated[str, BeforeValidator(lambda v: "" if v is None else str(v))] = ""
    environment_setup_commit: str | None = None
    difficulty: str | None = None
    log_parser: str | None = None
    """swebench 5 carries the grading spec in the instance: the parser's name, the eval type, the eval script."""
    eval_type: Literal["pass_and_fail", "fail_only"] | None = None
    eval_script: str | None = None
    install: Commands | None = None
    """Override: commands that install the repository, run in the grading sandbox before the tests."""
    test_cmd: Commands | None = None
    """Override: the test command (lines of one script); its exit status is the tests' exit status."""
    requirements: StringList | None = None
    """Override: pip requirements added to the environment (which always has pytest, pip, setuptools, wheel)."""
    timeout: float | None = Field(default=None, gt=0)


def read_instances(path: Path) -> list[SweBenchInstance]:
    """Every instance in ``path`` (a JSON array or JSONL), or a PackError naming the file and the problem."""
    if not path.is_file():
        raise PackError(f"{path}: no such file — pass a SWE-bench instances file (.json or .jsonl)")
    rows = _json_rows(path)
    instances, seen = [], set()
    for where, row in rows:
        if not isinstance(row, dict):
            raise PackError(f"{path}: {where} is not a JSON object — each instance is one object")
        try:
            instance = SweBenchInstance.model_validate(row)
        except ValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(str(p) for p in error["loc"])
            name = row.get("instance_id", "?")
            raise PackError(
                f"{path}: {where} ({name}): field '{field}': {error['msg']} — see docs/swebench.md"
            ) from None
        if instance.instance_id in seen:
            raise PackError(
                f"{path}: instance_id '{instance.instance_id}' appears more than once — each instance must be unique"
            )
        seen.add(instance.instance_id)
        instances.append(instance)
    if not instances:
        raise PackError(f"{path}: no instances — the file holds an empty list")
    return instances


def _json_rows(path: Path) -> list[tuple[str, Any]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".jsonl" and text.lstrip().startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PackError(f"{path}: bad JSON ({exc}) — fix the syntax") from None
        return [(f"item {i}", row) for i, row in enumerate(data)]
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                rows.append((f"line {number}", json.loads(line)))
            except json.JSONDecodeError as exc:
                raise PackError(f"{path}: line {number} is not JSON ({exc}) — JSONL holds one object a line") from None
    return rows


def patch_files(patch: str) -> tuple[list[str], set[str]]:
    """Every path a patch touches (both sides of renames), and those it deletes."""
    touched: list[str] = []
    deleted: set[str] = set()
    for chunk in re.split(r"(?m)^(?=diff --git )", patch):
        header = _DIFF_HEADER.search(chunk)
        if header is None:
            continue
        for path in header.groups():
            if path not in touched:
                touched.append(path)
        if re.search(r"(?m)^(?:\+\+\+ /dev/null|deleted file mode)", chunk):
            deleted.add(header.group(1))
    return touched, deleted


def _default_targets(instance: SweBenchInstance, tree: Path, touched: list[str], deleted: set[str]) -> list[str]:
    """The test files the test patch leaves in place, then the other files the test ids name (if they exist)."""
    from_patch = [p for p in touched if p.endswith(".py") and p not in deleted and Path(p).name != "__init__.py"]
    named = [t.split("::")[0] for t in (*instance.FAIL_TO_PASS, *instance.PASS_TO_PASS)]
    existing = [p for p in named if p.endswith(".py") and ((tree / p).is_file() or p in from_patch)]
    return list(dict.fromkeys(p for p in [*from_patch, *existing] if Path(p).name != "conftest.py"))


def _eval_script_test_command(eval_script: str | None) -> str | None:
    """The test command between SWE-bench's output markers in a swebench 5 eval script."""
    from swebench.harness.constants import END_TEST_OUTPUT, START_TEST_OUTPUT

    lines = (eval_script or "").splitlines()
    starts = [i for i, line in enumerate(lines) if START_TEST_OUTPUT in line]
    ends = [i for i, line in enumerate(lines) if END_TEST_OUTPUT in line]
    if not starts or not ends or ends[-1] <= starts[0] + 1:
        return None
    return "\n".join(lines[starts[0] + 1 : ends[-1]]).replace(SWEBENCH_WORKDIR, "/workspace").strip() or None


def swebench_specs(repo: str, version: str) -> dict[str, Any] | None:
    """swebench's own spec for (repo, version), where the installed package has the table (swebench < 5)."""
    constants = importlib.import_module("swebench.harness.constants")
    table: dict[str, dict[str, dict[str, Any]]] = getattr(constants, "MAP_REPO_VERSION_TO_SPECS", None) or {}
    return table.get(repo, {}).get(version)


@cache
def repo_parsers() -> dict[str, str]:
    """repo → log parser name, from every per-repo parser table the installed swebench package has."""
    package = importlib.import_module("swebench.harness.log_parsers")
    modules = [package] + [
        importlib.import_module(f"{package.__name__}.{m.name}") for m in pkgutil.iter_modules(package.__path__)
    ]
    parsers: dict[str, str] = {}
    for module in modules:
        for attribute, table in vars(module).items():
            if attribute.startswith("MAP_REPO_TO_PARSER") and isinstance(table, dict):
                parsers.update({repo: fn.__name__ for repo, fn in table.items() if callable(fn)})
    return parsers


def known_parser(name: str) -> bool:
    package = importlib.import_module("swebench.harness.log_parsers")
    return name in getattr(package, "PARSER_REGISTRY", {}) or callable(getattr(package, name, None))


def _with_directives(repo: str, test_cmd: str, targets: list[str]) -> str:
    if repo == "django/django":  # runtests.py takes dotted module names relative to tests/, as SWE-bench passes them
        targets = [t.removeprefix("tests/").removesuffix(".py").replace("/", ".") for t in targets]
    return " ".join([test_cmd, *targets])


def resolve_spec(instance: SweBenchInstance, tree: Path, test_patch: Path) -> tuple[SweBenchSpec, Environment]:
    """How the instance is graded: its own keys first, then swebench's spec, then solvemeter's default."""
    touched, deleted = patch_files(instance.test_patch)
    targets = _default_targets(instance, tree, touched, deleted)
    table = swebench_specs(instance.repo, instance.version) or {}
    source: Literal["instance", "swebench", "default"]
    if instance.test_cmd:
        test_command, source = "\n".join(instance.test_cmd), "instance"
    elif script_command := _eval_script_test_command(instance.eval_script):
        test_command, source = script_command, "swebench"
    elif table.get("test_cmd"):
        commands = table["test_cmd"] if isinstance(table["test_cmd"], list) else [table["test_cmd"]]
        test_command, source = _with_directives(instance.repo, "\n".join(commands), targets), "swebench"
    else:
        test_command, source = " ".join([DEFAULT_TEST_COMMAND, *targets]), "default"
    install = instance.install if instance.install is not None else _table_install(table)
    parser = instance.log_parser or repo_parsers().get(instance.repo, DEFAULT_PARSER)
    if not known_parser(parser):
        raise PackError(f"{instance.instance_id}: log_parser '{parser}' is not one the swebench package has")
    eval_type = instance.eval_type or _eval_type(instance.repo)
    requirements = [*TOOLING, *table.get("pip_packages", ()), *(instance.requirements or ())]
    spec = SweBenchSpec(
        repo=instance.repo,
        base_commit=instance.base_commit,
        version=instance.version,
        test_patch=test_patch,
        test_files=tuple(touched),
        test_command=test_command,
        install_commands=tuple(install),
        log_parser=parser,
        eval_type=eval_type,
        spec_source=source,
        difficulty=DIFFICULTY.get(instance.difficulty or ""),
        timeout_s=instance.timeout or SweBenchSpec.model_fields["timeout_s"].default,
    )
    return spec, Environment(requirements=tuple(dict.fromkeys(requirements)))


def _table_install(table: dict[str, Any]) -> tuple[str, ...]:
    install = table.get("install")
    if not install:
        return (DEFAULT_INSTALL,)
    return tuple(install) if isinstance(install, list) else (install,)


def _eval_type(repo: str) -> Literal["pass_and_fail", "fail_only"]:
    from swebench.harness.constants import FAIL_ONLY_REPOS

    return "fail_only" if repo in FAIL_ONLY_REPOS else "pass_and_fail"


def instance_task(instance: SweBenchInstance, pack: str, source: RepoSource) -> SweTask:
    tree = materialise(instance, source.mirror(instance.repo, instance.base_commit))
    test_patch, gold = write_patches(instance, tree)
    spec, environment = resolve_spec(instance, tree, test_patch)
    rated = DIFFICULTY.get(instance.difficulty or "")
    return SweTask(
        id=instance.instance_id,
        pack=pack,
        problem=instance.problem_statement,
        spec=SweSpec(
            difficulty=rated or "medium",  # required here, never reported: SweTask.difficulty reads swebench's
            tags=(instance.repo,),
            test_command=spec.test_command,
            timeout_s=spec.timeout_s,
            FAIL_TO_PASS=instance.FAIL_TO_PASS,
            PASS_TO_PASS=instance.PASS_TO_PASS,
        ),
        repo=tree,
        hidden_tests=test_patch.parent,
        solution_patch=gold,
        environment=environment,
        swebench=spec,
    )


def pack_name(path: Path, name: str | None) -> str:
    if name is not None:
        if not re.match(TASK_ID_PATTERN, name):
            raise PackError(f"pack name '{name}' must be lowercase letters, digits and '-' — pass another --name")
        return name
    return re.sub(r"[^a-z0-9-]+", "-", path.stem.lower()).strip("-") or "swebench"


def load_swebench_pack(
    path: Path,
    *,
    repos: Path | None = None,
    name: str | None = None,
    clone_url_template: str | None = None,
    instance_ids: set[str] | None = None,
) -> Pack:
    """A swe Pack of the instances in ``path`` (only ``instance_ids``, if given); version = sha256 of the file."""
    instances = read_instances(path)
    if instance_ids is not None:
        instances = [i for i in instances if i.instance_id in instance_ids]
    mirrors = repos or (Path(os.environ[REPOS_VARIABLE]) if os.environ.get(REPOS_VARIABLE) else None)
    if mirrors is not None and not mirrors.is_dir():
        raise PackError(f"{mirrors}: no such directory — --repos names a directory of owner__name clones")
    source = RepoSource(mirrors, clone_url_template or os.environ.get(CLONE_URL_VARIABLE) or None)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    manifest = PackManifest(
        name=pack_name(path, name),
        version=digest[:12],
        kind=PackKind.SWE,
        license="as each repository's",
        description=f"SWE-bench instances from {path.name}",
    )
    tasks = [instance_task(i, manifest.name, source) for i in instances]
    return Pack(manifest=manifest, root=instances_cache(), tasks=tuple(tasks), content_hash=f"sha256:{digest}")


def is_instances_file(path: str | Path) -> bool:
    return Path(path).suffix in (".json", ".jsonl") and Path(path).is_file()
