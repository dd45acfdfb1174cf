"""Imports point one way, certificates → licensing → services, with config above all: an app never
imports one that builds on it (DESIGN.md §1). Read from the source, so a lazy import counts too."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN = {
    "services": {"licensing", "certificates", "supervision", "config"},
    "licensing": {"certificates", "supervision", "config"},
    "certificates": {"supervision", "config"},
    # aftercare builds on certificates, licensing and services; none of them imports it.
    "aftercare": {"config"},
}
for _app in ("services", "licensing", "certificates"):
    FORBIDDEN[_app] = FORBIDDEN[_app] | {"aftercare"}


def imported_packages(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every absolute import in the file, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def backward_imports(app: str) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line} imports {package}"
        for path in sorted((ROOT / app).rglob("*.py"))
        for line, package in imported_packages(path)
        if package in FORBIDDEN[app]
    ]


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_an_app_never_imports_one_that_builds_on_it(app):
    assert backward_imports(app) == []


def test_the_check_sees_lazy_imports_inside_functions(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from licensing.models import Applicant\n    import certificates.services\n")
    assert imported_packages(module) == [(2, "licensing"), (3, "certificates")]
