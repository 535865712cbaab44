"""The dashboards and reports read only the published schemas, `marts` and `audit`: every relation their SQL
names is one of those. Whatever a page needs from raw, staging, intermediate or reference is published as a
mart first (docs/conventions.md). The SQL is found in the string literals of every module under dashboards/."""

from __future__ import annotations

import ast
import re
from pathlib import Path

DASHBOARDS = Path(__file__).resolve().parents[1] / "dashboards"
PUBLISHED = {"marts", "audit"}
# the warehouse's other schemas (docs/warehouse.md), and DuckDB's own catalog schemas
UNPUBLISHED = {"raw", "staging", "intermediate", "reference", "restricted", "main", "pg_catalog", "temp"}
# has_table() reads the catalog, never data: the one schema beside the published ones a query may name
CATALOG = {"information_schema"}
QUALIFIED = re.compile(r"\b([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\b", re.IGNORECASE)
FROM_OR_JOIN = re.compile(r"\b(?:from|join)\s+([a-z_][a-z0-9_]*)\.[a-z_]", re.IGNORECASE)


def _strings(path: Path) -> list[tuple[int, str, bool]]:
    """(line, text, is_docstring) of every string literal of a module, f-strings' literal parts included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value, id(node) in docstrings) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def schemas_named(path: Path) -> list[tuple[int, str, str]]:
    """(line, schema, text) for every schema-qualified relation a module's strings name: a known schema
    anywhere (docstrings too: they say what a function reads), any schema after FROM / JOIN in code."""
    found = []
    for line, text, is_docstring in _strings(path):
        for match in QUALIFIED.finditer(text):
            if match.group(1).lower() in UNPUBLISHED | PUBLISHED | CATALOG:
                found.append((line, match.group(1).lower(), text))
        if not is_docstring:  # prose may say "kept apart from city.py"
            for match in FROM_OR_JOIN.finditer(text):
                found.append((line, match.group(1).lower(), text))
    return found


def test_dashboards_name_only_published_schemas():
    modules = sorted(DASHBOARDS.rglob("*.py"))
    assert modules
    offending, published = [], 0
    for path in modules:
        for line, schema, text in schemas_named(path):
            if schema in PUBLISHED:
                published += 1
            elif schema not in CATALOG:
                offending.append(f"{path.relative_to(DASHBOARDS.parent)}:{line}: {schema} in {text[:100]!r}")
    assert not offending, "the dashboards read only marts and audit:\n" + "\n".join(offending)
    assert published > 20  # the scan does find the SQL: every page reads marts.* / audit.*


def test_the_scan_catches_an_unpublished_schema(tmp_path):
    module = tmp_path / "page.py"
    module.write_text('SQL = "select * from intermediate.int_x"\nT = f"from {1} join raw.y"\nR = "reference.z"\n',
                      encoding="utf-8")
    assert {schema for _, schema, _ in schemas_named(module)} == {"intermediate", "raw", "reference"}
