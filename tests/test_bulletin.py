"""The monthly bulletin and the report store: every figure of the bulletin equals its source row (in
marts.indicator_values, or the count of marts.dq_alerts rows), the appendix traces each one, the DOCX
prints through LibreOffice and the PDF embeds its fonts; the Dagster asset writes a month's files into
the store, and 报表中心 lists them within the viewer's scope."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import dagster as dg
import docx
import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import queries as q
from dashboards.reports import bulletin_data, to_docx, to_pdf
from dashboards.reports.bulletin import R01_MIN, R03_LINE
from dashboards.reports.data import Figure, cell_text
from dashboards.scope import ScopeError, Viewer
from tests import office
from tests import app_session
from tests.built_province import built_warehouse, point_dashboards_at

ROOT = Path(__file__).resolve().parent.parent
PROVINCE = Viewer("province")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return built_warehouse(tmp_path_factory)


@pytest.fixture(autouse=True)
def _point_at_warehouse(warehouse, monkeypatch, tmp_path):
    point_dashboards_at(warehouse, monkeypatch, tmp_path)


@pytest.fixture(scope="module")
def con(warehouse):
    c = duckdb.connect(str(warehouse), read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def month(con) -> str:
    """The last full month of the small province (the one before its latest)."""
    return con.execute("select distinct period from marts.indicator_values order by period desc "
                       "limit 1 offset 1").fetchone()[0]


@pytest.fixture(scope="module")
def bulletin(warehouse, month):
    os.environ["LOANCODE_WAREHOUSE"] = str(warehouse)  # module fixture: before the autouse one runs
    return bulletin_data(PROVINCE, month)


def source_value(con, figure: Figure):
    if figure.source == "marts.indicator_values":
        row = con.execute("select value from marts.indicator_values where indicator_code = ? and period = ? "
                          "and grain = ? and grain_key = ?",
                          [figure.code, figure.period, figure.grain, figure.key]).fetchone()
        return None if row is None else row[0]
    if figure.source == "marts.rpt_indicator_attribution":  # the area's change, the same on each member's row
        changes = {r[0] for r in con.execute(
            "select change from marts.rpt_indicator_attribution where indicator_code = ? and period = ? "
            "and grain = ? and grain_key = ?", [figure.code, figure.period, figure.grain, figure.key]).fetchall()}
        assert len(changes) == 1, changes
        return changes.pop()
    assert figure.source == "marts.dq_alerts"
    rule, what = figure.code.split(":")
    first = con.execute("select count(*) from marts.dq_alerts where rule_code = ? and severity = ? and "
                        "strftime(first_seen, '%Y-%m') = ?", [rule, figure.key, figure.period]).fetchone()[0]
    before_end = con.execute("select count(*) from marts.dq_alerts where rule_code = ? and severity = ? and "
                             "strftime(first_seen, '%Y-%m') <= ?", [rule, figure.key, figure.period]).fetchone()[0]
    # the test's workflow store is empty: nothing resolved
    return {"opened": first, "resolved": 0, "unresolved": before_end}[what]


def test_every_figure_equals_its_source_row(bulletin, con):
    figures = bulletin.figures()
    assert len(figures) > 60
    for figure in figures:
        expected = source_value(con, figure)
        if expected is None:
            assert figure.value is None, figure
        else:
            assert figure.value == pytest.approx(expected, rel=1e-12, abs=1e-9), figure
    appendix = bulletin.section("appendix")
    assert len(appendix.rows) >= len(figures)
    for number, _section, _item, shown, source, code, grain, key, period in appendix.rows:
        match = next(f for f in figures if (f.source, f.code, f.grain, f.key, f.period) == (source, code, grain,
                                                                                             key, period))
        assert shown in {cell_text(match, k) for k in ("count", "amount", "pct", "hours")}, number


def test_attribution_and_promotion_parts(bulletin, con, month):
    """What moved the headline figures and the promotion table are traced like every other figure; the
    promotion table's issuer types add up to the province without its provincial codes."""
    attribution = bulletin.section("attribution")
    assert {r[0] for r in attribution.rows} >= {"D01", "O04"}
    for row in attribution.rows:
        now, before, change = row[3], row[4], row[5]
        if now.value is not None and before.value is not None:
            assert change.value == pytest.approx(now.value - before.value, abs=1e-9)
    promotion = bulletin.section("promotion")
    assert promotion.rows[-1][0] == "全省合计" and len(promotion.rows) >= 2
    by_type = sum(r[1].value or 0 for r in promotion.rows[:-1])
    assert by_type == promotion.rows[-1][1].value  # P01: every demand scanned exactly one code


def test_ranking_and_the_institutions_follow_the_marts(bulletin, con, month):
    o04 = bulletin.section("ranking_O04")
    values = dict(con.execute("select grain_key, value from marts.indicator_values where indicator_code = 'O04' "
                              "and grain = 'city' and period = ?", [month]).fetchall())
    names = dict(con.execute("select city_code, city_name from marts.dim_city").fetchall())
    best = max(values, key=values.get)
    assert o04.rows[0][:2] == [1, names[best]] and len(o04.rows) == 11
    assert [r[2].value for r in o04.rows] == sorted(values.values(), reverse=True)
    listed = {r[0] for r in bulletin.section("institutions").rows}
    rows = con.execute("select grain_key, indicator_code, value from marts.indicator_values where grain = "
                       "'institution' and period = ? and indicator_code in ('R01', 'R03', 'R04')", [month]).fetchall()
    by = {}
    for key, code, value in rows:
        by.setdefault(key, {})[code] = value
    expected = {k for k, v in by.items() if (v.get("R04") or 0) >= 1
                or (v.get("R03") is not None and (v.get("R01") or 0) >= R01_MIN and v["R03"] < R03_LINE)}
    assert listed == expected and listed


def test_the_narrative_quotes_the_tables(bulletin):
    shown = {cell_text(f, k) for f in bulletin.figures() for k in ("count", "amount", "pct")}
    text = "".join(bulletin.intro)
    assert "全省经“三晋贷款码”发布融资需求" in text and "放款金额居前三位的是" in text
    for number, unit in re.findall(r"(\d[\d,]*(?:\.\d+)?) ?(笔|户|万元|%|个百分点|条|家)", text):
        if unit in {"个百分点", "条", "家"}:  # derived: differences of two rates, counts of listed rows
            continue
        assert number in shown or f"-{number}" in shown, (number, unit)


def test_only_the_province_gets_the_bulletin(warehouse, month):
    with pytest.raises(ScopeError):
        bulletin_data(Viewer("140100"), month)
    env = {**os.environ, "LOANCODE_WAREHOUSE": str(warehouse), "LOANCODE_VIEWER_SCOPE": "140100"}
    done = subprocess.run([sys.executable, "-m", "dashboards.reports", "bulletin", "--month", month, "--format",
                           "pdf", "--out", os.devnull], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "无权使用工作通报下载" in done.stderr


# --- the documents ---------------------------------------------------------------------------------------

needs_office = pytest.mark.skipif(not (office.SOFFICE and office.POPPLER), reason=office.MISSING)


@pytest.fixture(scope="module")
def documents(bulletin, tmp_path_factory):
    folder = tmp_path_factory.mktemp("bulletin")
    (folder / "bulletin.docx").write_bytes(to_docx(bulletin))
    (folder / "bulletin.pdf").write_bytes(to_pdf(bulletin))
    return folder


def test_docx_tables_carry_the_figures(documents, bulletin):
    document = docx.Document(str(documents / "bulletin.docx"))
    tables = document.tables
    assert len(tables) == len(bulletin.sections)
    for table, section in zip(tables, bulletin.sections, strict=True):
        assert [c.text for c in table.rows[0].cells] == [c.label for c in section.columns]
        body = [[c.text for c in row.cells] for row in table.rows[1:]]
        if section.rows:
            assert len(body) == len(section.rows)
    appendix = [[c.text for c in row.cells] for row in tables[-1].rows[1:]]
    assert appendix == [[str(v) for v in row] for row in bulletin.section("appendix").rows]


@needs_office
def test_docx_prints_with_page_numbers_and_every_figure(documents, bulletin):
    pdf = office.to_pdf(documents / "bulletin.docx", documents / "printed")
    sizes = office.pages(pdf)
    assert 2 <= len(sizes) <= 30 and all(h > w for w, h in sizes)  # portrait A4
    texts = [office.squeeze(office.text(pdf, i)) for i in range(1, len(sizes) + 1)]
    for i, page in enumerate(texts, start=1):
        assert f"第{i}页，共{len(sizes)}页" in page, i
    document = "".join(texts)
    for row in bulletin.section("appendix").rows:
        assert office.squeeze(row[3]) in document and row[0] in document, row
    assert all(f["embedded"] for f in office.fonts(pdf))


@needs_office
def test_pdf_embeds_every_font(documents):
    fonts = office.fonts(documents / "bulletin.pdf")
    assert fonts and all(f["embedded"] for f in fonts), [f["line"] for f in fonts]
    sizes = office.pages(documents / "bulletin.pdf")
    assert all(h > w for w, h in sizes)
    assert f"第1页，共{len(sizes)}页" in office.squeeze(office.text(documents / "bulletin.pdf", 1))


# --- the store: the Dagster asset and 报表中心 --------------------------------------------------------------


@pytest.fixture(scope="module")
def store(warehouse, month, tmp_path_factory):
    """The report store after the Dagster job ran for ``month`` (as the sensor asks after a publish)."""
    from pipelines.definitions import defs
    from pipelines.defs.reports import partition_tags

    folder = tmp_path_factory.mktemp("reports")
    saved = {k: os.environ.get(k) for k in ("LOANCODE_WAREHOUSE", "LOANCODE_REPORTS_DIR")}
    os.environ.update({"LOANCODE_WAREHOUSE": str(warehouse), "LOANCODE_REPORTS_DIR": str(folder)})
    try:
        result = defs.resolve_job_def("publish_reports").execute_in_process(
            instance=dg.DagsterInstance.ephemeral(), tags=partition_tags([month]))
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    assert result.success
    return folder


def test_the_asset_writes_the_months_files(store, month):
    names = sorted(p.name for p in (store / month).iterdir())
    assert f"通报_{month}.pdf" in names and f"通报_{month}.docx" in names
    assert len([n for n in names if n.startswith("城市月报_")]) == 22
    assert not [n for n in names if n.endswith(".part")]
    assert docx.Document(io.BytesIO((store / month / f"通报_{month}.docx").read_bytes())).tables


def test_the_sensor_asks_for_the_latest_months_after_a_publish(warehouse, monkeypatch):
    from pipelines.defs.reports import data_months, reports_after_publish

    monkeypatch.setenv("LOANCODE_WAREHOUSE", str(warehouse))
    instance = dg.DagsterInstance.ephemeral()
    instance.report_runless_asset_event(dg.AssetMaterialization("published_warehouse"))
    request = reports_after_publish(dg.build_sensor_context(instance=instance))
    latest = data_months(warehouse)[-2:]
    requests = list(request) if not isinstance(request, dg.RunRequest) else [request]
    assert requests[0].tags["dagster/asset_partition_range_start"] == f"{latest[0]}-01"
    assert requests[0].tags["dagster/asset_partition_range_end"] == f"{latest[-1]}-01"


def _report_center(scope: str) -> AppTest:
    role, city = ("province", None) if scope == "province" else ("city", scope)
    at = app_session.app(role, city, page="app_pages/reports.py")
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_report_center_lists_the_files_of_the_viewers_scope(store, month, monkeypatch, tmp_path):
    monkeypatch.setenv("LOANCODE_REPORTS_DIR", str(store))
    app_session.use_stores(monkeypatch, tmp_path)
    province = _report_center("province")
    labels = [b.proto.label for b in province.get("download_button")]
    assert "通报（PDF）" in labels and "通报（DOCX）" in labels and len(labels) == 24
    city = _report_center("140100")
    names = [b.proto.label for b in city.get("download_button")]
    assert len(names) == 2 and not any("通报" in n for n in names)
    assert set(q.report_files(Viewer("140100"))["city_code"]) == {"140100"}
    with pytest.raises(ScopeError):
        q.report_file(Viewer("140100"), month, f"通报_{month}.pdf")
    other = next(n for n in q.report_files(PROVINCE)["name"] if "140200" in n)
    with pytest.raises(ScopeError):
        q.report_file(Viewer("140100"), month, other)
