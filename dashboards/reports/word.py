"""A report (the monthly bulletin) as a Word document (python-docx), portrait A4.

The title, the narrative paragraphs, then each section's heading, note and table; table header rows
repeat on every page, columns are as wide as their content (layout.text_width), the footer reads
"第 n 页，共 m 页" (Word fields PAGE and NUMPAGES, which Word and LibreOffice fill in when they lay
the document out). The East Asian font is set on every style, so Chinese text does not fall back to
whatever font the reader's Word picks for Latin text.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from dashboards.reports.data import UNITS_NOTE, Section, cell_text, row_kind
from dashboards.reports.layout import text_width

FONT = "Microsoft YaHei"
NUMERIC = {"count", "amount", "pct", "hours"}
TABLE_PT = 8


def _east_asian(style_or_run, name: str = FONT) -> None:
    """Set the Latin and the East Asian font (python-docx only sets the former)."""
    style_or_run.font.name = name
    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), name)


def _field(run, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) in ``run``."""
    begin, text, end = OxmlElement("w:fldChar"), OxmlElement("w:instrText"), OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    text.set(qn("xml:space"), "preserve")
    text.text = instruction
    end.set(qn("w:fldCharType"), "end")
    run._r.extend([begin, text, end])


def _footer(section, left: str) -> None:
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text, field in ((f"{left}　第 ", None), ("", "PAGE"), (" 页，共 ", None), ("", "NUMPAGES"), (" 页", None)):
        run = paragraph.add_run(text)
        run.font.size = Pt(8)
        if field:
            _field(run, field)


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)


def _shade(cell, color: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:fill"), color)
    cell._tc.get_or_add_tcPr().append(shading)


def _widths(section: Section, total_cm: float) -> list[float]:
    natural = []
    for i, col in enumerate(section.columns):
        cells = [text_width(cell_text(row[i], row_kind(col, row))) for row in section.rows]
        natural.append(max([text_width(col.label) / 2, *cells, 4]) + 1.5)
    scale = total_cm / sum(natural)
    return [n * scale for n in natural]


def _table(document, section: Section, total_cm: float) -> None:
    table = document.add_table(rows=1, cols=len(section.columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = _widths(section, total_cm)
    _repeat_header(table.rows[0])
    for cell, col, width in zip(table.rows[0].cells, section.columns, widths, strict=True):
        cell.width = Cm(width)
        _shade(cell, "1F5FBF")
        run = cell.paragraphs[0].add_run(col.label)
        run.bold, run.font.size, run.font.color.rgb = True, Pt(TABLE_PT), RGBColor(0xFF, 0xFF, 0xFF)
    rows = section.rows or [["（无）"] + [""] * (len(section.columns) - 1)]
    for row in rows:
        cells = table.add_row().cells
        for cell, col, value, width in zip(cells, section.columns, row, widths, strict=True):
            kind = row_kind(col, row) if section.rows else "text"
            cell.width = Cm(width)
            paragraph = cell.paragraphs[0]
            if kind in NUMERIC:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            paragraph.add_run(cell_text(value, kind) if section.rows else str(value)).font.size = Pt(TABLE_PT)


def to_docx(report) -> bytes:
    """``report`` (``title``, ``generated_at``, ``intro`` paragraphs, ``sections``) as DOCX bytes."""
    document = Document()
    for name in ("Normal", "Title", "Heading 1", "Heading 2"):
        _east_asian(document.styles[name])
    document.styles["Normal"].font.size = Pt(10.5)
    page = document.sections[0]
    page.orientation = WD_ORIENT.PORTRAIT
    page.page_width, page.page_height = Cm(21), Cm(29.7)
    page.left_margin = page.right_margin = Cm(2)
    page.top_margin = page.bottom_margin = Cm(2)
    total = 21 - 4
    header = page.header.paragraphs[0]
    header.text = report.title
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _footer(page, f"生成时间 {report.generated_at}")
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(report.title)
    run.bold, run.font.size = True, Pt(16)
    note = document.add_paragraph().add_run(UNITS_NOTE)
    note.font.size, note.font.color.rgb = Pt(8), RGBColor(0x55, 0x55, 0x55)
    for text in getattr(report, "intro", []):
        paragraph = document.add_paragraph(text)
        paragraph.paragraph_format.first_line_indent = Pt(21)
    for section in report.sections:
        heading = document.add_heading(section.title, level=2)
        for r in heading.runs:
            _east_asian(r)
        if section.note:
            run = document.add_paragraph().add_run(section.note)
            run.font.size, run.font.color.rgb = Pt(8), RGBColor(0x55, 0x55, 0x55)
        _table(document, section, total)
    document.core_properties.title = report.title
    document.core_properties.author = "三晋贷款码 数据分析平台"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
