"""The city monthly report (landscape A4) and the monthly bulletin (portrait A4) as PDF (reportlab).

The CJK font is a TrueType font registered from the system (WenQuanYi Micro Hei, Debian package
fonts-wqy-microhei) so it is embedded as a subset: reportlab's built-in STSong-Light is a CID font
that is *not* embedded and shows boxes on machines without it.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import LongTable, PageBreak, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from dashboards.reports.data import UNITS_NOTE, CityReport, Section, cell_text, row_kind

FONT_NAME = "WenQuanYiMicroHei"
FONT_CANDIDATES = [
    os.environ.get("LOANCODE_CJK_FONT", ""),
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
]
BLUE = colors.HexColor("#1f5fbf")
SERIES_COLORS = [BLUE, colors.HexColor("#e8812c")]
MARGIN = 12 * mm


class FontMissing(RuntimeError):
    """No TrueType CJK font on this machine."""


def register_font() -> str:
    """Register (once) and return the embedded CJK font's name."""
    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    for candidate in FONT_CANDIDATES:
        if candidate and Path(candidate).is_file():
            pdfmetrics.registerFont(TTFont(FONT_NAME, candidate, subfontIndex=0))
            return FONT_NAME
    raise FontMissing(
        "未找到可嵌入的中文 TrueType 字体：请安装 fonts-wqy-microhei（make setup 会自动安装），"
        "或用 LOANCODE_CJK_FONT 指定字体文件"
    )


def _styles(font: str) -> dict[str, ParagraphStyle]:
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=16, leading=22, spaceAfter=4),
        "h2": ParagraphStyle("h2", fontName=font, fontSize=12, leading=16, spaceBefore=6, spaceAfter=4,
                             textColor=BLUE),
        "note": ParagraphStyle("note", fontName=font, fontSize=8, leading=11, textColor=colors.HexColor("#555555")),
        "body": ParagraphStyle("body", fontName=font, fontSize=10, leading=16, firstLineIndent=20, spaceAfter=4),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=7.5, leading=9.5, wordWrap="CJK"),
        "head": ParagraphStyle("head", fontName=font, fontSize=7.5, leading=9.5, textColor=colors.white,
                               wordWrap="CJK"),
    }


CELL_SIZE, CELL_PAD = 7.5, 3  # points: table font size, left/right padding of every cell
NUMERIC = {"count", "amount", "pct", "hours"}


def column_widths(section: Section, font: str, width: float) -> list[float]:
    """Numbers get the width of their widest value (they never wrap); text columns share what is left in
    proportion to their natural width (they wrap); a table narrower than the page is stretched to it.
    Headers wrap onto two lines."""
    def w(text: str) -> float:
        return pdfmetrics.stringWidth(text, font, CELL_SIZE) + 2 * CELL_PAD + 1

    natural, numeric = [], []
    for i, col in enumerate(section.columns):
        kinds = {row_kind(col, row) for row in section.rows} or {col.kind}
        numeric.append(kinds <= NUMERIC)
        cells = [w(cell_text(row[i], row_kind(col, row))) for row in section.rows]
        natural.append(max([w(col.label) / 2 + CELL_PAD, *cells]))
    total = sum(natural)
    if total <= width:
        return [n * width / total for n in natural]
    fixed = sum(n for n, is_num in zip(natural, numeric, strict=True) if is_num)
    text_total = total - fixed
    room = max(width - fixed, 0.0)
    return [n if is_num else max(n * room / text_total, min(n, 40.0))
            for n, is_num in zip(natural, numeric, strict=True)]


def _table(section: Section, styles: dict, width: float) -> LongTable:
    font = styles["cell"].fontName
    widths = column_widths(section, font, width)
    header = [Paragraph(escape(c.label), styles["head"]) for c in section.columns]
    body = []
    numeric_cols: set[int] = set()
    for row in section.rows:
        cells = []
        for i, (col, value) in enumerate(zip(section.columns, row, strict=True)):
            kind = row_kind(col, row)
            if kind in NUMERIC:
                numeric_cols.add(i)
            text = cell_text(value, kind)
            # numbers and short text as plain strings (one line, extractable as-is); longer text wraps
            fits = pdfmetrics.stringWidth(text, font, CELL_SIZE) + 2 * CELL_PAD <= widths[i]
            cells.append(text if kind in NUMERIC or fits else Paragraph(escape(text), styles["cell"]))
        body.append(cells)
    if not body:
        body = [["（无）"] + [""] * (len(section.columns) - 1)]
    table = LongTable([header, *body], repeatRows=1, colWidths=widths)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), CELL_SIZE),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("BACKGROUND", (0, 0), (-1, 0), BLUE),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#c8cdd5")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f4f6f9")]),
    ]
    style += [("ALIGN", (i, 1), (i, -1), "RIGHT") for i in sorted(numeric_cols)]
    table.setStyle(TableStyle(style))
    return table


def _trend_chart(report: CityReport, font: str, width: float) -> Drawing | None:
    trend = report.trend
    if trend is None or trend.empty:
        return None
    wide = trend.pivot_table(index="period", columns="indicator_code", values="value", aggfunc="first")
    names = trend.drop_duplicates("indicator_code").set_index("indicator_code")["name"].to_dict()
    height = 200
    drawing = Drawing(width, height, initialFontName=font)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 50, 40, width - 200, height - 70
    chart.data = [tuple(float(v) if v == v else 0.0 for v in wide[c]) for c in wide.columns]
    chart.categoryAxis.categoryNames = [str(p) for p in wide.index]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    for i in range(len(wide.columns)):
        chart.lines[i].strokeColor = SERIES_COLORS[i % len(SERIES_COLORS)]
        chart.lines[i].strokeWidth = 1.5
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = width - 140, height - 40
    legend.fontName, legend.fontSize = font, 8
    legend.colorNamePairs = [
        (SERIES_COLORS[i % len(SERIES_COLORS)], f"{names.get(c, c)}（万元）") for i, c in enumerate(wide.columns)
    ]
    drawing.add(legend)
    drawing.add(String(50, height - 18, "近 12 个月融资需求金额与放款金额（万元）", fontName=font, fontSize=10))
    return drawing


def _numbered_canvas(font: str, left: str):
    """A canvas that starts in the embedded font (reportlab's default, Helvetica, is never embedded) and
    writes "第 n 页，共 m 页" once it knows m: pages are kept until ``save`` and numbered then."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **{**kwargs, "initialFontName": font})
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(font, 7)
                self.setFillColor(colors.HexColor("#555555"))
                self.drawString(MARGIN, 7 * mm, left)
                self.drawRightString(self._pagesize[0] - MARGIN, 7 * mm, f"第 {self._pageNumber} 页，共 {total} 页")
                super().showPage()
            super().save()

    return NumberedCanvas


def to_pdf(report) -> bytes:
    """Any report with ``title``, ``generated_at`` and ``sections`` (and optionally ``intro`` paragraphs,
    ``trend`` for the city report's chart, ``portrait``) as a PDF whose every font is embedded."""
    font = register_font()
    styles = _styles(font)
    buffer = io.BytesIO()
    page = A4 if getattr(report, "portrait", False) else landscape(A4)
    doc = SimpleDocTemplate(
        buffer, pagesize=page, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN,
        title=report.title, author="三晋贷款码 数据分析平台", subject=getattr(report, "subject", report.title),
    )
    width = page[0] - 2 * MARGIN
    story: list = [Paragraph(escape(report.title), styles["title"]), Paragraph(UNITS_NOTE, styles["note"]),
                   Spacer(1, 4)]
    for text in getattr(report, "intro", []):
        story.append(Paragraph(escape(text), styles["body"]))
    for i, section in enumerate(report.sections):
        if i == 1 and getattr(report, "trend", None) is not None:
            chart = _trend_chart(report, font, width)
            if chart is not None:
                story += [Spacer(1, 6), chart]
            story.append(PageBreak())
        story.append(Paragraph(escape(section.title), styles["h2"]))
        if section.note:
            story.append(Paragraph(escape(section.note), styles["note"]))
        story.append(Spacer(1, 3))
        story.append(_table(section, styles, width))
        story.append(Spacer(1, 8))
    doc.build(story, canvasmaker=_numbered_canvas(font, f"{report.title} · 生成时间 {report.generated_at}"))
    return buffer.getvalue()
