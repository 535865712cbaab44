"""The packages stand side by side: the core is imported by all and imports none of them.

    loancode         configuration, feed registry, divisions, USCC, PII forms, stores — imports no other package
    sample_province  the upstream stand-in: writes a landing zone only — imports the core
    pipelines        the Dagster code location and the loaders — imports the core
    dashboards       the Streamlit app, its query layer and reports — imports the core

Every import is found by walking the syntax tree, including `importlib.import_module("...")` with a
literal name, so a lazy import inside a function cannot slip past.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("loancode", "sample_province", "pipelines", "dashboards")
MAY_IMPORT = {
    "loancode": set(),
    "sample_province": {"loancode"},
    "pipelines": {"loancode"},
    "dashboards": {"loancode"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "import_module" and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.add(node.args[0].value)
    return found


def violations(package: str) -> list[str]:
    out = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for module in imported_modules(path):
            top = module.split(".")[0]
            if top in PACKAGES and top != package and top not in MAY_IMPORT[package]:
                out.append(f"{path.relative_to(ROOT)} imports {module}")
    return out


@pytest.mark.parametrize("package", PACKAGES)
def test_package_imports_only_what_it_may(package):
    assert violations(package) == []


def test_the_walk_sees_every_kind_of_import(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text("import pipelines.build\nfrom dashboards import queries\n"
                      "def f():\n    import importlib\n    importlib.import_module('sample_province.build')\n",
                      encoding="utf-8")
    assert imported_modules(sample) >= {"pipelines.build", "dashboards", "sample_province.build"}


# Pages reach the warehouse, the workflow store, the user store and the audit log only through the
# dashboards' query/action layer (dashboards/queries, dashboards/actions.py, dashboards/auth.py).
STORES = ("duckdb", "sqlite3", "loancode.workflow", "loancode.users", "loancode.audit_log",
          "dashboards.queries._db", "dashboards.sql_console")


def _opens_a_store(module: str) -> bool:
    return any(module == s or module.startswith(s + ".") for s in STORES)


def test_pages_reach_the_data_only_through_the_query_and_action_layer():
    pages = [ROOT / "dashboards" / "app.py", *sorted((ROOT / "dashboards" / "app_pages").glob("*.py")),
             ROOT / "dashboards" / "ui.py", ROOT / "dashboards" / "charts.py"]
    found = [f"{p.relative_to(ROOT)} imports {m}" for p in pages for m in imported_modules(p) if _opens_a_store(m)]
    assert found == []
    # `from loancode import workflow` names the module as an imported name, not a module path
    for path in pages:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "loancode":
                names = {a.name for a in node.names}
                assert not names & {"workflow", "users", "audit_log"}, f"{path.relative_to(ROOT)}: {names}"
