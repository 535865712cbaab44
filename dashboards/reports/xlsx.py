"""The city monthly report as an Excel workbook (xlsxwriter).

One sheet per section: title (row 1), units (row 2), header (row 4, frozen), data below. Values are the
marts' own numbers, unrounded; number formats only change how they show. The 趋势 sheet carries a
native line chart, the 区县 sheet a bar chart.
"""

from __future__ import annotations

import io

import xlsxwriter

from dashboards.reports.data import UNITS_NOTE, CityReport, Section, row_kind

NUMBER_FORMATS = {
    "count": "#,##0",
    "amount": "#,##0.00",
    "pct": '0.00"%"',
    "hours": "#,##0.0",
}
HEADER_ROW = 3  # 0-based: title, units, note, header
SHEET_NAMES = {"kpi": "主要指标", "counties": "区县", "institutions": "机构", "overdue": "超时未响应需求",
               "alerts": "合规预警", "attribution": "变动归因", "promotion": "贷款码推广",
               "promotion_codes": "贷款码排名"}


def _formats(book: xlsxwriter.Workbook) -> dict:
    base = {"font_name": "Microsoft YaHei", "font_size": 10}
    out = {
        "title": book.add_format({**base, "bold": True, "font_size": 14}),
        "units": book.add_format({**base, "italic": True, "font_color": "#555555"}),
        "note": book.add_format({**base, "font_color": "#555555"}),
        "header": book.add_format({**base, "bold": True, "bg_color": "#1f5fbf", "font_color": "#ffffff",
                                   "border": 1, "text_wrap": True, "valign": "vcenter"}),
        "text": book.add_format({**base, "border": 1}),
    }
    for kind, num in NUMBER_FORMATS.items():
        out[kind] = book.add_format({**base, "border": 1, "num_format": num})
    return out


def _write_section(book, sheet, fmts: dict, report: CityReport, section: Section) -> None:
    sheet.write(0, 0, f"{report.title} · {section.title}", fmts["title"])
    sheet.write(1, 0, UNITS_NOTE, fmts["units"])
    sheet.write(2, 0, section.note, fmts["note"])
    for c, col in enumerate(section.columns):
        sheet.write(HEADER_ROW, c, col.label, fmts["header"])
        sheet.set_column(c, c, max(10, min(36, len(col.label) * 2 + 2)))
    sheet.set_row(HEADER_ROW, 32)
    for r, row in enumerate(section.rows, start=HEADER_ROW + 1):
        for c, (col, value) in enumerate(zip(section.columns, row, strict=True)):
            kind = row_kind(col, row)
            if value is None:
                sheet.write_string(r, c, "—", fmts["text"])
            elif kind in NUMBER_FORMATS:
                sheet.write_number(r, c, float(value), fmts[kind])
            else:
                sheet.write_string(r, c, str(value), fmts["text"])
    if not section.rows:
        sheet.write(HEADER_ROW + 1, 0, "（无）", fmts["note"])
    sheet.freeze_panes(HEADER_ROW + 1, 0)
    if section.rows:
        sheet.autofilter(HEADER_ROW, 0, HEADER_ROW + len(section.rows), len(section.columns) - 1)


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
    chart.set_title({"name": "各区县放款金额（万元）"})
    chart.set_legend({"none": True})
    chart.set_y_axis({"reverse": True})
    chart.set_size({"width": 640, "height": max(320, 22 * len(section.rows) + 80)})
    sheet.insert_chart(HEADER_ROW + 1, len(section.columns) + 1, chart)


def _trend_sheet(book, fmts: dict, report: CityReport) -> None:
    sheet = book.add_worksheet("趋势")
    sheet.write(0, 0, f"{report.title} · 近 12 个月趋势", fmts["title"])
    sheet.write(1, 0, "金额单位：万元", fmts["units"])
    trend = report.trend
    if trend is None or trend.empty:
        sheet.write(3, 0, "（无）", fmts["note"])
        return
    wide = trend.pivot_table(index="period", columns="indicator_code", values="value", aggfunc="first")
    codes = list(wide.columns)
    names = trend.drop_duplicates("indicator_code").set_index("indicator_code")["name"].to_dict()
    sheet.write(HEADER_ROW, 0, "月份", fmts["header"])
    for c, code in enumerate(codes, start=1):
        sheet.write(HEADER_ROW, c, f"{names.get(code, code)}（万元）", fmts["header"])
        sheet.set_column(c, c, 20)
    sheet.set_column(0, 0, 12)
    for r, (period, values) in enumerate(wide.iterrows(), start=HEADER_ROW + 1):
        sheet.write_string(r, 0, str(period), fmts["text"])
        for c, code in enumerate(codes, start=1):
            v = values[code]
            if v == v:
                sheet.write_number(r, c, float(v), fmts["amount"])
            else:
                sheet.write_string(r, c, "—", fmts["text"])
    sheet.freeze_panes(HEADER_ROW + 1, 0)
    last = HEADER_ROW + len(wide)
    chart = book.add_chart({"type": "line"})
    for c in range(1, len(codes) + 1):
        chart.add_series({
            "name": [sheet.name, HEADER_ROW, c],
            "categories": [sheet.name, HEADER_ROW + 1, 0, last, 0],
            "values": [sheet.name, HEADER_ROW + 1, c, last, c],
            "marker": {"type": "circle"},
        })
    chart.set_title({"name": "融资需求金额与放款金额（万元）"})
    chart.set_y_axis({"name": "万元", "num_format": "#,##0"})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 720, "height": 360})
    sheet.insert_chart(HEADER_ROW, len(codes) + 2, chart)


def to_xlsx(report: CityReport) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"title": report.title, "subject": f"{report.city_code} {report.month}",
                         "comments": f"生成时间 {report.generated_at}"})
    fmts = _formats(book)
    for section in report.sections:
        sheet = book.add_worksheet(SHEET_NAMES.get(section.key, section.title)[:31])
        _write_section(book, sheet, fmts, report, section)
        if section.key == "counties":
            _county_chart(book, sheet, section)
    _trend_sheet(book, fmts, report)
    book.close()
    return buffer.getvalue()
