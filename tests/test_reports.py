"""The city monthly report: every number in the XLSX (read with openpyxl) and in the PDF's text (pypdf)
equals the marts; both print: the XLSX through LibreOffice fits a landscape page's width with its header
on every page and no cell cut, the PDF embeds every font (pdffonts) and numbers its pages; a city office
cannot produce another city's report."""

from __future__ import annotations

import io
import os
from decimal import ROUND_HALF_UP, Decimal
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest
from pypdf import PdfReader

from dashboards.reports import city_report_data, to_pdf, to_xlsx
from dashboards.reports.data import KPI_CODES, cell_text, kind_of, row_kind
from dashboards.scope import ScopeError, Viewer
from tests import office
from tests.built_province import built_warehouse, point_dashboards_at

ROOT = Path(__file__).resolve().parent.parent
HEADER_ROW = 4  # 1-based row of the column headers in every sheet
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
def case(con) -> tuple[str, str]:
    """The city and month with the most overdue demands (so every section has rows)."""
    row = con.execute(
        "select city_code, period from marts.rpt_overdue_demands where period < (select max(period) from "
        "marts.indicator_values) group by all order by count(*) desc, city_code, period limit 1"
    ).fetchone()
    return row[0], row[1]


@pytest.fixture(scope="module")
def report(warehouse, case):
    os.environ["LOANCODE_WAREHOUSE"] = str(warehouse)  # module fixture: before the autouse one runs
    city, month = case
    return city_report_data(PROVINCE, city, month)


def mart(con, code: str, period: str, grain: str, key: str):
    row = con.execute(
        "select value from marts.indicator_values where indicator_code = ? and period = ? and grain = ? "
        "and grain_key = ?",
        [code, period, grain, key],
    ).fetchone()
    return None if row is None else row[0]


def breakdown(con, city, period, dimension, member, code):
    row = con.execute(
        "select value from marts.rpt_city_breakdowns where city_code = ? and period = ? and dimension = ? "
        "and member_key = ? and indicator_code = ?",
        [city, period, dimension, member, code],
    ).fetchone()
    return None if row is None else row[0]


def same(cell, expected) -> bool:
    if expected is None:
        return cell == "—"
    return isinstance(cell, (int, float)) and cell == pytest.approx(expected, rel=1e-12, abs=1e-9)


def sheet_rows(ws) -> list[tuple]:
    return [r for r in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if any(v is not None for v in r)]


# --- XLSX ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workbook(report):
    content = to_xlsx(report)
    return content, openpyxl.load_workbook(io.BytesIO(content))


def test_xlsx_layout_title_units_frozen_header_formats_chart(workbook, report):
    content, wb = workbook
    assert wb.sheetnames == ["主要指标", "区县", "机构", "超时未响应需求", "合规预警", "变动归因", "贷款码推广", "贷款码排名",
                             "趋势"]
    for ws in wb.worksheets:
        assert report.city_name in ws["A1"].value and "月报" in ws["A1"].value
        assert "万元" in ws["A2"].value
        assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
    kpi = wb["主要指标"]
    formats = {r[0].value: r[3].number_format for r in kpi.iter_rows(min_row=HEADER_ROW + 1) if r[0].value}
    assert formats["D01"] == "#,##0" and formats["D02"] == "#,##0.00" and formats["R03"] == '0.00"%"'
    assert formats["R02"] == "#,##0.0"
    charts = [n for n in zipfile.ZipFile(io.BytesIO(content)).namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) >= 2  # the trend line chart and the county bar chart are native Excel charts


def test_xlsx_kpis_equal_the_mart(workbook, report, con):
    _, wb = workbook
    city, month = report.city_code, report.month
    rows = {r[0]: r for r in sheet_rows(wb["主要指标"])}
    assert list(rows) == [c for c in KPI_CODES if c in rows] and len(rows) >= 20
    for code, (_, _name, _unit, value, mom, yoy, ytd) in rows.items():
        assert same(value, mart(con, code, month, "city", city)), code
        assert same(mom, mart(con, f"{code}_MOM", month, "city", city)), code
        assert same(yoy, mart(con, f"{code}_YOY", month, "city", city)), code
        assert same(ytd, mart(con, f"{code}_YTD", month, "city", city)), code


def test_xlsx_counties_institutions_overdue_alerts_equal_the_marts(workbook, report, con):
    _, wb = workbook
    city, month = report.city_code, report.month
    counties = wb["区县"]
    codes = [c.split("（")[0] for c in next(counties.iter_rows(min_row=HEADER_ROW, max_row=HEADER_ROW,
                                                                values_only=True))][2:]
    by_name = dict(con.execute("select name_zh, code from marts.indicator_catalog").fetchall())
    expected_counties = {r[0] for r in con.execute(
        "select county_code from marts.dim_county where city_code = ?", [city]).fetchall()}
    rows = sheet_rows(counties)
    assert {r[0] for r in rows} == expected_counties
    for r in rows:
        for name, cell in zip(codes, r[2:], strict=True):
            assert same(cell, mart(con, by_name[name], month, "county", r[0])), (r[0], name)

    institutions = sheet_rows(wb["机构"])
    header = next(wb["机构"].iter_rows(min_row=HEADER_ROW, max_row=HEADER_ROW, values_only=True))
    inst_codes = [by_name[h.split("（")[0]] for h in header[2:]]
    assert institutions, "the busiest city has institutions"
    for r in institutions:
        for code, cell in zip(inst_codes, r[2:], strict=True):
            assert same(cell, breakdown(con, city, month, "institution", r[0], code)), (r[0], code)
    # the city's institutions add up to the city's own R01 and O04 (every accepted demand has one)
    for code in ("R01", "O04"):
        col = 2 + inst_codes.index(code)
        total = sum(r[col] for r in institutions if isinstance(r[col], (int, float)))
        assert total == pytest.approx(mart(con, code, month, "city", city)), code

    overdue = sheet_rows(wb["超时未响应需求"])
    expected = con.execute(
        "select application_id, days_past_deadline, amount_wan from marts.rpt_overdue_demands "
        "where city_code = ? and period = ? order by submitted_at, application_id", [city, month]).fetchall()
    assert [(r[0], r[4], r[5]) for r in overdue] == [(a, float(d), pytest.approx(w)) for a, d, w in expected]
    assert len(overdue) == mart(con, "R04", month, "city", city)

    alerts = sheet_rows(wb["合规预警"])
    has_alerts = con.execute("select count(*) from information_schema.tables where table_schema = 'marts' "
                             "and table_name = 'dq_alerts'").fetchone()[0]
    if has_alerts:
        ids = {r[0] for r in con.execute("select alert_id from marts.dq_alerts where city_code = ?", [city]).fetchall()}
        assert {r[0] for r in alerts if r[0] != "（无）"} == ids
    else:
        assert "尚无合规预警表" in wb["合规预警"]["A3"].value

    trend = sheet_rows(wb["趋势"])
    assert trend and trend[-1][0] == month
    for period, d02, o04 in trend:
        assert same(d02, mart(con, "D02", period, "city", city)) and same(o04, mart(con, "O04", period, "city", city))


def test_open_alerts_leave_out_the_resolved(report, con, tmp_path, monkeypatch):
    from loancode import workflow

    city = report.city_code
    ids = [r[0] for r in con.execute("select alert_id from marts.dq_alerts where city_code = ?", [city]).fetchall()]
    if not ids:
        pytest.skip("no alert in this city of the small province")
    workflow.resolve(ids[0], by="测试", comment="已处理")
    data = city_report_data(PROVINCE, city, report.month)
    assert {r[0] for r in data.section("alerts").rows} == set(ids[1:])


# --- PDF -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf(report):
    content = to_pdf(report)
    reader = PdfReader(io.BytesIO(content))
    lines = [ln.strip() for page in reader.pages for ln in page.extract_text().splitlines() if ln.strip()]
    return content, reader, lines


def follows(lines: list[str], first: str, cells: list[str], window: int = 12) -> bool:
    """``cells`` appear, in order and consecutively, within ``window`` lines after a line equal to ``first``."""
    for i, ln in enumerate(lines):
        if ln != first:
            continue
        after = lines[i + 1 : i + 1 + window]
        for j in range(len(after) - len(cells) + 1):
            if after[j : j + len(cells)] == cells:
                return True
    return False


def test_pdf_embeds_a_truetype_cjk_font(pdf):
    _, reader, lines = pdf
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[font["/BaseFont"]] = font
    assert not any("STSong" in name or "Helvetica" in name for name in fonts), list(fonts)
    assert any("WenQuanYi" in name or "WQY" in name.upper() or "MicroHei" in name for name in fonts), list(fonts)
    for name, font in fonts.items():
        descriptor = font.get("/FontDescriptor")
        if descriptor is None and "/DescendantFonts" in font:
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        assert descriptor is not None and "/FontFile2" in descriptor.get_object(), name
    assert any("月报" in ln for ln in lines[:3])


def test_pdf_numbers_equal_the_mart(pdf, report, con):
    _, _, lines = pdf
    city, month = report.city_code, report.month
    catalog = dict(con.execute("select code, unit from marts.indicator_catalog").fetchall())
    for code in KPI_CODES:
        kind = kind_of(catalog[code])
        cells = [cell_text(mart(con, code, month, "city", city), kind),
                 cell_text(mart(con, f"{code}_MOM", month, "city", city), "pct"),
                 cell_text(mart(con, f"{code}_YOY", month, "city", city), "pct"),
                 cell_text(mart(con, f"{code}_YTD", month, "city", city), kind)]
        assert follows(lines, code, cells), (code, cells)
    for row in report.section("counties").rows:
        cells = [cell_text(mart(con, code, month, "county", row[0]), kind_of(catalog[code]))
                 for code in ("D01", "D02", "R01", "R03", "R04", "O01", "O02", "O03", "O04", "O10")]
        assert follows(lines, row[0], cells, window=4 + len(cells)), (row[0], cells)
    for row in report.section("institutions").rows:
        cells = [cell_text(breakdown(con, city, month, "institution", row[0], code), kind_of(catalog[code]))
                 for code in ("R01", "R02", "R03", "O01", "O02", "O03", "O04", "O10")]
        assert follows(lines, row[0], cells, window=6 + len(cells)), (row[0], cells)
    overdue = con.execute(
        "select application_id, days_past_deadline, amount_wan from marts.rpt_overdue_demands "
        "where city_code = ? and period = ?", [city, month]).fetchall()
    assert overdue
    for app, days, amount in overdue:
        assert follows(lines, app, [cell_text(days, "count"), cell_text(amount, "amount")], window=8), app


# --- scope and CLI -------------------------------------------------------------------------------------


def test_a_city_office_cannot_produce_another_citys_report(report):
    own = Viewer(report.city_code)
    other = "140200" if report.city_code != "140200" else "140300"
    assert city_report_data(own, report.city_code, report.month).city_code == report.city_code
    with pytest.raises(ScopeError):
        city_report_data(own, other, report.month)


def _cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dashboards.reports", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_cli_writes_both_formats_and_refuses_out_of_scope(report, warehouse, tmp_path):
    env = {**os.environ, "LOANCODE_WAREHOUSE": str(warehouse), "LOANCODE_VIEWER_SCOPE": report.city_code}
    xlsx, pdf_ = tmp_path / "r.xlsx", tmp_path / "r.pdf"
    done = _cli("--city", report.city_code, "--month", report.month, "--format", "xlsx", "--out", str(xlsx), env=env)
    assert done.returncode == 0, done.stderr
    assert openpyxl.load_workbook(xlsx).sheetnames[0] == "主要指标"
    done = _cli("report", "--city", report.city_code, "--month", report.month, "--format", "pdf", "--out", str(pdf_),
                env=env)
    assert done.returncode == 0, done.stderr
    assert pdf_.read_bytes()[:5] == b"%PDF-"
    other = "140200" if report.city_code != "140200" else "140300"
    refused = tmp_path / "other.pdf"
    done = _cli("--city", other, "--month", report.month, "--format", "pdf", "--out", str(refused), env=env)
    assert done.returncode == 2 and "无权查看" in done.stderr and not refused.exists()
    done = _cli("--city", report.city_code, "--month", "1999-01", "--format", "pdf", env=env)
    assert done.returncode == 2 and "没有指标数据" in done.stderr


# --- printing: LibreOffice, pdffonts, pdftotext --------------------------------------------------------

needs_office = pytest.mark.skipif(not (office.SOFFICE and office.POPPLER), reason=office.MISSING)
SHOWN = {"#,##0": (0, "{:,}"), "#,##0.00": (2, "{:,}"), '0.00"%"': (2, "{}%"), "#,##0.0": (1, "{:,}")}


def shown(cell) -> str:
    """A cell's text as a spreadsheet shows it: its number format applied, rounding half up the shortest
    decimal form of the number (64.05 shows 64.1 where Python's format, on the binary value, gives 64.0)."""
    if isinstance(cell.value, (int, float)) and cell.number_format in SHOWN:
        digits, pattern = SHOWN[cell.number_format]
        rounded = Decimal(repr(float(cell.value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
        return pattern.format(rounded)
    return str(cell.value)


@pytest.fixture(scope="module")
def printed_xlsx(workbook, tmp_path_factory) -> Path:
    """The workbook as LibreOffice prints it (converted once)."""
    folder = tmp_path_factory.mktemp("printed")
    source = folder / "report.xlsx"
    source.write_bytes(workbook[0])
    return office.to_pdf(source, folder / "pdf")


def _page_numbers_and_orientation(pdf: Path, landscape: bool) -> list[str]:
    sizes = office.pages(pdf)
    texts = [office.text(pdf, i) for i in range(1, len(sizes) + 1)]
    for i, ((w, h), page_text) in enumerate(zip(sizes, texts, strict=True), start=1):
        assert (w > h) == landscape, (i, w, h)
        assert f"第{i}页，共{len(sizes)}页" in office.squeeze(page_text), (i, page_text[-200:])
    return texts


@needs_office
def test_xlsx_prints_landscape_one_page_wide_with_headers_and_no_cell_cut(printed_xlsx, workbook):
    _, wb = workbook
    texts = _page_numbers_and_orientation(printed_xlsx, landscape=True)
    data_rows = sum(ws.max_row - HEADER_ROW for ws in wb.worksheets)
    # one page wide: a sheet's rows only ever add pages downwards (22 pages before, 6 sheets here)
    assert len(wb.worksheets) <= len(texts) <= len(wb.worksheets) + data_rows // 25
    document = office.squeeze("".join(texts))
    assert "###" not in document  # LibreOffice's mark of a number too wide for its column
    headers = {}
    for ws in wb.worksheets:
        setup = ws.page_setup
        assert setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
        assert setup.fitToWidth in (None, 1) and int(setup.fitToHeight) == 0  # 1 page wide (the default), any height
        assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
        headers[ws.title] = [office.squeeze(str(c.value)) for c in ws[HEADER_ROW] if c.value is not None]
        for row in ws.iter_rows(min_row=1):
            for cell in row:
                if cell.value is not None and str(cell.value).strip():
                    assert office.squeeze(shown(cell)) in document, (ws.title, cell.coordinate, shown(cell))
    # every page carries the complete header row of its sheet: repeated, and not split across pages
    for i, page_text in enumerate(texts, start=1):
        page = office.squeeze(page_text)
        assert any(all(label in page for label in labels) for labels in headers.values()), (i, page_text[:300])


@needs_office
def test_pdf_embeds_every_font_numbers_its_pages_and_cuts_no_cell(pdf, report, tmp_path):
    content, _, _ = pdf
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    fonts = office.fonts(path)
    assert fonts and all(f["embedded"] for f in fonts), [f["line"] for f in fonts]
    texts = _page_numbers_and_orientation(path, landscape=True)
    document = office.squeeze("".join(texts))
    for section in report.sections:
        for column in section.columns:
            assert office.squeeze(column.label) in document, column.label
        for row in section.rows:
            for column, value in zip(section.columns, row, strict=True):
                assert office.squeeze(cell_text(value, row_kind(column, row))) in document, (section.key, value)
