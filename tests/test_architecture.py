"""The layering rules of DESIGN.md, checked on the import statements of every module."""

from __future__ import annotations

import ast
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


@pytest.mark.parametrize("path", _modules("pages"), ids=lambda p: p.name)
def test_pages_render_only(path: Path) -> None:
    imported = _imports(path)
    bad = {n for n in imported for f in PAGE_FORBIDDEN if _under(n, f)}
    assert not bad, f"{path.name} reaches past lib.dashboard: {bad}"
    source = path.read_text()
    for keyword in ("SELECT ", "INSERT ", "UPDATE ", "DELETE "):
        assert keyword not in source, f"{path.name} contains SQL ({keyword.strip()})"


@pytest.mark.parametrize("path", _modules("lib/intake"), ids=lambda p: p.name)
def test_intake_does_not_import_the_dashboard(path: Path) -> None:
    assert not {n for n in _imports(path) if _under(n, "lib.dashboard")}
