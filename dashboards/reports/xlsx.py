"""The city monthly report as an Excel workbook (xlsxwriter), laid out to print.

One sheet per section: title (row 1), units (row 2), note (row 3), header (row 4, frozen and repeated on
every printed page), data below. Values are the marts' own numbers, unrounded; number formats only
change how they show. Every sheet prints landscape on A4, one page wide, with the report's title in
the page header and "第 n 页，共 m 页" in the footer; columns are as wide as their Chinese content
(layout.text_width), long texts wrap. The 趋势 and 区县 sheets carry native charts below their tables.
"""

from __future__ import annotations

import io

import xlsxwriter

from dashboards.reports.data import UNITS_NOTE, CityReport, Column, Section, plain, row_kind
from dashboards.reports.layout import NUMBER_FORMATS, shown_text, text_width, wrapped_lines

HEADER_ROW = 3  # 0-based: title, units, note, header
SHEET_NAMES = {"kpi": "主要指标", "counties": "区县", "institutions": "机构", "overdue": "超时未响应需求",
               "alerts": "合规预警", "attribution": "变动归因", "promotion": "贷款码推广",
               "promotion_codes": "贷款码排名"}
FONT = "Microsoft YaHei"
MIN_WIDTH, MAX_WIDTH, PADDING = 6, 44, 2.5  # column widths in half-width characters
LINE_HEIGHT = 15  # points per line of 10 pt text (CJK fonts need more than Latin ones)
A4 = 9


def _formats(book: xlsxwriter.Workbook) -> dict:
    base = {"font_name": FONT, "font_size": 10, "valign": "top"}
    out = {
        "title": book.add_format({**base, "bold": True, "font_size": 14, "text_wrap": True}),
        "units": book.add_format({**base, "italic": True, "font_color": "#555555", "text_wrap": True}),
        "note": book.add_format({**base, "font_color": "#555555", "text_wrap": True}),
        "header": book.add_format({**base, "bold": True, "bg_color": "#1f5fbf", "font_color": "#ffffff",
                                   "border": 1, "text_wrap": True, "valign": "vcenter"}),
        "text": book.add_format({**base, "border": 1, "text_wrap": True}),
        "dash": book.add_format({**base, "border": 1, "align": "right"}),
    }
    for kind, num in NUMBER_FORMATS.items():
        out[kind] = book.add_format({**base, "border": 1, "num_format": num})
    return out


def column_widths(columns: list[Column], rows: list[list]) -> list[float]:
    """Each column as wide as its widest shown value (CJK double width), its header on at most two lines,
    within [MIN_WIDTH, MAX_WIDTH]; wider text wraps."""
    widths = []
    for c, col in enumerate(columns):
        cells = [text_width(shown_text(row[c], row_kind(col, row))) for row in rows]
        header = (text_width(col.label) + 1) / 2
        widths.append(min(MAX_WIDTH, max(MIN_WIDTH, header, *cells) + PADDING))
    return widths


def page_setup(sheet, title: str, generated_at: str, repeat_until: int) -> None:
    """Landscape A4, one page wide, header rows repeated, the title above and page n of m below."""
    sheet.set_landscape()
    sheet.set_paper(A4)
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.7)
    sheet.repeat_rows(repeat_until)
    escaped = title.replace("&", "&&")
    sheet.set_header(f'&L&"{FONT}"&9{escaped}', {"margin": 0.3})
    sheet.set_footer(f'&L&"{FONT}"&8生成时间 {generated_at}&R&"{FONT}"&8第 &P 页，共 &N 页', {"margin": 0.3})


def _banner(sheet, fmts: dict, texts: list[tuple[str, str]], width: float, last_col: int) -> None:
    """Title, units and note rows, each merged across the table and as tall as its wrapped text."""
    for r, (text, style) in enumerate(texts):
        size = 14 if style == "title" else 10
        lines = wrapped_lines(text, width * 10 / size)
        sheet.set_row(r, lines * LINE_HEIGHT * size / 10 + 4)
        if last_col > 0:
            sheet.merge_range(r, 0, r, last_col, text, fmts[style])
        else:
            sheet.write(r, 0, text, fmts[style])


def _write_table(sheet, fmts: dict, columns: list[Column], rows: list[list], widths: list[float]) -> None:
    for c, col in enumerate(columns):
        sheet.write(HEADER_ROW, c, col.label, fmts["header"])
        sheet.set_column(c, c, widths[c])
    header_lines = max(wrapped_lines(col.label, widths[c] - PADDING) for c, col in enumerate(columns))
    sheet.set_row(HEADER_ROW, header_lines * LINE_HEIGHT + 4)
    for r, row in enumerate(rows, start=HEADER_ROW + 1):
        lines = 1
        for c, (col, value) in enumerate(zip(columns, row, strict=True)):
            kind, value = row_kind(col, row), plain(value)
            if value is None:
                sheet.write_string(r, c, "—", fmts["dash" if kind in NUMBER_FORMATS else "text"])
            elif kind in NUMBER_FORMATS:
                sheet.write_number(r, c, float(value), fmts[kind])
            else:
                sheet.write_string(r, c, str(value), fmts["text"])
                lines = max(lines, wrapped_lines(str(value), widths[c] - PADDING))
        if lines > 1:
            sheet.set_row(r, lines * LINE_HEIGHT + 3)


def _write_section(sheet, fmts: dict, report: CityReport, section: Section) -> None:
    widths = column_widths(section.columns, section.rows)
    _banner(sheet, fmts, [(f"{report.title} · {section.title}", "title"), (UNITS_NOTE, "units"),
                          (section.note, "note")], sum(widths), len(section.columns) - 1)
    _write_table(sheet, fmts, section.columns, section.rows, widths)
    if not section.rows:
        sheet.write(HEADER_ROW + 1, 0, "（无）", fmts["note"])
    sheet.freeze_panes(HEADER_ROW + 1, 0)
    if section.rows:
        sheet.autofilter(HEADER_ROW, 0, HEADER_ROW + len(section.rows), len(section.columns) - 1)
    page_setup(sheet, report.title, report.generated_at, HEADER_ROW)


def _chart_below(sheet, chart, rows: int) -> None:
    sheet.insert_chart(HEADER_ROW + rows + 2, 0, chart, {"x_offset": 4, "y_offset": 4})


def _county_chart(book, sheet, section: Section) -> None:
    headers = [c.header for c in section.columns]
    if not section.rows or "放款金额" not in headers:
        return
    col = headers.index("放款金额")
    last = HEADER_ROW + len(section.rows)
    chart = book.add_chart({"type": "bar"})
    chart.add_series({
        "name": "放款金额（万元）",
        "categories": [sheet.name, HEADER_ROW + 1, 1, last, 1],
        "values": [sheet.name, HEADER_ROW + 1, col, last, col],
        "fill": {"color": "#1f5fbf"},
    })
    chart.set_title({"name": "各区县放款金额（万元）", "name_font": {"name": FONT, "size": 11}})
    chart.set_legend({"none": True})
    chart.set_y_axis({"reverse": True, "num_font": {"name": FONT}})
    chart.set_size({"width": 640, "height": max(320, 22 * len(section.rows) + 80)})
    _chart_below(sheet, chart, len(section.rows))


def _trend_sheet(book, fmts: dict, report: CityReport) -> None:
    sheet = book.add_worksheet("趋势")
    title = f"{report.title} · 近 12 个月趋势"
    trend = report.trend
    if trend is None or trend.empty:
        _banner(sheet, fmts, [(title, "title"), ("金额单位：万元", "units")], 60, 0)
        sheet.write(3, 0, "（无）", fmts["note"])
        page_setup(sheet, report.title, report.generated_at, HEADER_ROW)
        return
    wide = trend.pivot_table(index="period", columns="indicator_code", values="value", aggfunc="first")
    codes = list(wide.columns)
    names = trend.drop_duplicates("indicator_code").set_index("indicator_code")["name"].to_dict()
    columns = [Column("月份")] + [Column(names.get(code, code), "amount", "万元") for code in codes]
    rows = [[str(period), *(None if v != v else float(v) for v in values)] for period, values in wide.iterrows()]
    widths = column_widths(columns, rows)
    _banner(sheet, fmts, [(title, "title"), ("金额单位：万元", "units"), ("", "note")], max(sum(widths), 60),
            len(columns) - 1)
    _write_table(sheet, fmts, columns, rows, widths)
    sheet.freeze_panes(HEADER_ROW + 1, 0)
    page_setup(sheet, report.title, report.generated_at, HEADER_ROW)
    last = HEADER_ROW + len(rows)
    chart = book.add_chart({"type": "line"})
    for c in range(1, len(codes) + 1):
        chart.add_series({
            "name": [sheet.name, HEADER_ROW, c],
            "categories": [sheet.name, HEADER_ROW + 1, 0, last, 0],
            "values": [sheet.name, HEADER_ROW + 1, c, last, c],
            "marker": {"type": "circle"},
        })
    chart.set_title({"name": "融资需求金额与放款金额（万元）", "name_font": {"name": FONT, "size": 11}})
    chart.set_y_axis({"name": "万元", "num_format": "#,##0"})
    chart.set_legend({"position": "bottom", "font": {"name": FONT}})
    chart.set_size({"width": 720, "height": 360})
    _chart_below(sheet, chart, len(rows))


def to_xlsx(report: CityReport) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"title": report.title, "subject": f"{report.city_code} {report.month}",
                         "comments": f"生成时间 {report.generated_at}"})
    fmts = _formats(book)
    for section in report.sections:
        sheet = book.add_worksheet(SHEET_NAMES.get(section.key, section.title)[:31])
        _write_section(sheet, fmts, report, section)
        if section.key == "counties":
            _county_chart(book, sheet, section)
    _trend_sheet(book, fmts, report)
    book.close()
    return buffer.getvalue()
