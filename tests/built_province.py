"""One small generated province, built once per test session and shared by the modules that need a real
warehouse (reports, browser, page tests): generating and building it takes ~40 s."""

from __future__ import annotations

from pathlib import Path

from sample_province.build import Params, generate
from tests.pipeline_runner import run_build

PROVINCE = {"seed": 3, "applications": 1500, "start": "2025-01", "end": "2025-06"}
_BUILT: dict[str, Path] = {}


def built_warehouse(tmp_path_factory) -> Path:
    """The published warehouse file of the shared small province (built on first use)."""
    if "small" not in _BUILT:
        root = tmp_path_factory.mktemp("built_province")
        landing, published = root / "landing", root / "warehouse.duckdb"
        generate(Params(out=landing, **PROVINCE))
        result = run_build(landing, published)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        _BUILT["small"] = published
    return _BUILT["small"]


def point_dashboards_at(warehouse: Path, monkeypatch, tmp_path: Path) -> None:
    """Dashboards and reports read `warehouse` as the province viewer, with a workflow store of the test's own."""
    monkeypatch.setenv("LOANCODE_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("LOANCODE_WORKFLOW_DB", str(tmp_path / "workflow.sqlite"))
    monkeypatch.delenv("LOANCODE_VIEWER_SCOPE", raising=False)


def read_only_sql(warehouse: Path):
    """A module fixture's body: `run(sql, *params)` → rows, on a read-only connection to `warehouse`, closed
    when the generator is."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)

    def run(text: str, *params):
        return con.execute(text, list(params)).fetchall()

    try:
        yield run
    finally:
        con.close()
