"""Every module under services/ is imported by at least one unit or integration test.

The API tests reach most services through GraphQL, but a module that only they
touch has no test of its own: a regression there shows up as a vague HTTP
failure, or not at all on the backend the API tests happened to run. This test
walks services/ and the test files under tests/unit and tests/integration, and
names every module no such file imports directly, in one of the forms

    import services.x.y
    from services.x.y import name
    from services.x import y

(a package `__init__.py` with no code — only a docstring and imports — is
exempt). It reads the files with `ast`, so it needs no database and imports
nothing from services/.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "services"
TEST_DIRS = [ROOT / "tests" / "unit", ROOT / "tests" / "integration"]


def module_name(path: Path) -> str:
    """'services/ledger/plan.py' -> 'services.ledger.plan'; a package's __init__.py -> the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def has_code(path: Path) -> bool:
    """False for a module that is only a docstring, imports, `__all__` and `from __future__`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            continue  # the docstring
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if all(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                continue
        return True
    return False


def service_modules() -> dict[str, Path]:
    """Every module under services/ that needs a test, by dotted name."""
    modules = {}
    for path in sorted(SERVICES.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        if path.name == "__init__.py" and not has_code(path):
            continue
        modules[module_name(path)] = path
    return modules


def imported_modules(source: str, filename: str = "<test>") -> set[str]:
    """The services modules one test file imports directly (see the module docstring for the forms)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("services"))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and node.module.startswith("services"):
            found.add(node.module)
            # `from services.x import y`: y may be a submodule; recording it too is harmless when it is not.
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def imported_by_tests() -> set[str]:
    found: set[str] = set()
    for directory in TEST_DIRS:
        for path in sorted(directory.rglob("*.py")):
            if "__pycache__" not in path.parts:
                found |= imported_modules(path.read_text(encoding="utf-8"), str(path))
    return found


def test_the_import_forms_that_count():
    source = (
        "import services.money\n"
        "import services.ledger.plan as plan\n"
        "from services.ledger.entries import Leg\n"
        "from services.kyc import tiers, views as v\n"
        "from .books import open_books\n"
        "import servicesx\n"
    )
    found = imported_modules(source)
    assert {"services.money", "services.ledger.plan", "services.ledger.entries", "services.kyc.tiers", "services.kyc.views"} <= found
    assert "services.ledger.posting" not in found


def test_a_package_init_with_only_imports_needs_no_test(tmp_path):
    empty = tmp_path / "__init__.py"
    empty.write_text('"""A package."""\nfrom __future__ import annotations\n\nfrom .x import y\n__all__ = ["y"]\n')
    assert not has_code(empty)
    empty.write_text('"""A package."""\nLIMIT = 3\n')
    assert has_code(empty)


def test_the_walk_finds_the_service_modules():
    modules = service_modules()
    assert len(modules) > 50, sorted(modules)  # the walk found the tree, not an empty directory
    assert "services.money" in modules and "services.ledger.entries" in modules
    assert all(name.startswith("services") for name in modules)


def test_every_service_module_is_imported_by_a_unit_or_integration_test():
    untested = sorted(set(service_modules()) - imported_by_tests())
    assert not untested, (
        f"{len(untested)} module(s) under services/ are imported by no test in tests/unit or tests/integration "
        "(write tests/unit/test_<module>.py for pure code, tests/integration/test_<module>.py for database code):\n  "
        + "\n  ".join(untested)
    )
