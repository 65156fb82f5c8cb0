"""The layering rules of DESIGN.md, checked on the import statements of every module."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lib.core.config import PROJECT_ROOT

PAGE_FORBIDDEN = (
    "sqlalchemy",
    "httpx",
    "requests",
    "sqlite3",
    "psycopg",
    "lib.core.db",
    "lib.store",
    "lib.intake",
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _imported_names(path: Path) -> list[tuple[str, str]]:
    """(module, name) for every import; a page may take only types and constants from lib.core
    (names that start upper-case: enums, dataclasses, tables of labels), behaviour comes from
    lib.dashboard."""
    pairs: list[tuple[str, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            pairs.extend((alias.name, "") for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            pairs.extend((node.module, alias.name) for alias in node.names)
    return pairs


def _modules(folder: str) -> list[Path]:
    return sorted((PROJECT_ROOT / folder).rglob("*.py"))


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize("path", _modules("lib/core"), ids=lambda p: p.name)
def test_core_imports_nothing_else_from_lib(path: Path) -> None:
    outside = {n for n in _imports(path) if _under(n, "lib") and not _under(n, "lib.core")}
    assert not outside, f"{path.relative_to(PROJECT_ROOT)} imports {outside}"


def test_streamlit_only_in_the_dashboard_layer() -> None:
    allowed = ("dashboard.py", "pages/", "lib/dashboard/", "tests/", "lib/bench/")
    offenders = []
    for path in [*_modules("lib"), PROJECT_ROOT / "dashboard.py"]:
        relative = str(path.relative_to(PROJECT_ROOT))
        if any(_under(n, "streamlit") for n in _imports(path)) and not relative.startswith(allowed):
            offenders.append(relative)
    assert not offenders


def test_security_is_a_leaf() -> None:
    """lib/security.py is a leaf: stdlib only."""
    leaf = {n.split(".")[0] for n in _imports(PROJECT_ROOT / "lib/security.py")}
    assert "lib" not in leaf and "sqlalchemy" not in leaf


@pytest.mark.parametrize(
    "path", [*_modules("pages"), PROJECT_ROOT / "dashboard.py"], ids=lambda p: p.name
)
def test_pages_render_only(path: Path) -> None:
    imported = _imports(path)
    bad = {n for n in imported for f in PAGE_FORBIDDEN if _under(n, f)}
    assert not bad, f"{path.name} reaches past lib.dashboard: {bad}"
    beyond = [
        f"{module}.{name}"
        for module, name in _imported_names(path)
        if _under(module, "lib") and not _under(module, "lib.dashboard")
        if not (_under(module, "lib.core") and name[:1].isupper())
    ]
    assert not beyond, f"{path.name} imports {beyond}; pages go through lib.dashboard"
    source = path.read_text()
    for keyword in ("SELECT ", "INSERT ", "UPDATE ", "DELETE "):
        assert keyword not in source, f"{path.name} contains SQL ({keyword.strip()})"


@pytest.mark.parametrize("path", _modules("lib/intake"), ids=lambda p: p.name)
def test_intake_does_not_import_the_dashboard(path: Path) -> None:
    assert not {n for n in _imports(path) if _under(n, "lib.dashboard")}


def _lint_imports(root: Path, config: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    command = [str(Path(sys.executable).with_name("lint-imports")), "--config", str(config)]
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)


def test_the_import_contract_holds_for_the_whole_tree() -> None:
    """`make test` runs lint-imports too; this keeps the contract inside the suite's report."""
    result = _lint_imports(PROJECT_ROOT, PROJECT_ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout[-2000:]
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line"),
    [
        ("core/__init__.py", "import lib.store\n"),
        ("store/__init__.py", "import lib.jobs\n"),
        ("jobs/__init__.py", "import lib.intake\n"),
        ("mail/__init__.py", "import streamlit\n"),
    ],
)
def test_the_import_contract_catches_an_upward_import(
    tmp_path: Path, module: str, line: str
) -> None:
    """Control: the same contract over a skeleton of the layers fails on one bad import."""
    config = tmp_path / "contract.toml"
    config.write_text((PROJECT_ROOT / "pyproject.toml").read_text())
    packages = ("core", "security", "store", "mail", "jobs", "intake", "dashboard", "bench")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "__init__.py").write_text("")
    for name in (*packages[1:2], "cli", "runner", "__main__"):
        (tmp_path / "lib" / f"{name}.py").write_text("")
    for name in packages:
        if name == "security":
            continue
        (tmp_path / "lib" / name).mkdir()
        (tmp_path / "lib" / name / "__init__.py").write_text("")
    assert _lint_imports(tmp_path, config).returncode == 0
    (tmp_path / "lib" / module).write_text(line)
    result = _lint_imports(tmp_path, config)
    assert result.returncode == 1, result.stdout[-2000:]
    assert "BROKEN" in result.stdout


def _test_module_imports(root: Path) -> list[str]:
    """'importer -> imported' for every module under `root`/tests that imports a test module
    (tests/**/test_*.py): what tests share lives in tests/helpers/ instead."""
    found = []
    for path in sorted((root / "tests").rglob("*.py")):
        for name in _imports(path):
            if name.startswith("tests.") and name.rsplit(".", 1)[-1].startswith("test_"):
                found.append(f"{path.relative_to(root)} -> {name}")
    return found


def test_no_test_module_imports_another() -> None:
    assert _test_module_imports(PROJECT_ROOT) == []


def test_a_test_module_imported_by_another_is_found(tmp_path: Path) -> None:
    """Control: the check names the importer and the test module it imports."""
    (tmp_path / "tests" / "jobs").mkdir(parents=True)
    (tmp_path / "tests" / "jobs" / "test_export.py").write_text("def helper():\n    pass\n")
    (tmp_path / "tests" / "test_other.py").write_text("from tests.jobs.test_export import helper\n")
    (tmp_path / "tests" / "test_fine.py").write_text("from tests.helpers.export import rows\n")
    assert _test_module_imports(tmp_path) == ["tests/test_other.py -> tests.jobs.test_export"]
