"""The report store: every file of a month written where the 报表中心 page and the Dagster asset expect
it, ``<config.reports_dir()>/<YYYY-MM>/``: the bulletin (PDF, DOCX) and the 11 city monthly reports
(XLSX, PDF). Written as the province (the store is the bureau's; the page applies each viewer's scope
when it lists the files). Each file is written beside its final name and renamed over it, so a reader
never downloads half a file.
"""

from __future__ import annotations

import os
from pathlib import Path

from dashboards.reports.bulletin import bulletin_data, bulletin_filename
from dashboards.reports.data import city_report_data, report_filename
from dashboards.reports.pdf import to_pdf
from dashboards.reports.word import to_docx
from dashboards.reports.xlsx import to_xlsx
from dashboards.scope import CITY_CODES, Viewer
from loancode import config

PROVINCE = Viewer("province")


def _write(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(content)
    os.replace(partial, path)
    return path


def publish_month(month: str, out_dir: Path | None = None) -> list[Path]:
    """Write every report of ``month``; returns the files written."""
    folder = (out_dir or config.reports_dir()) / month
    bulletin = bulletin_data(PROVINCE, month)
    written = [_write(folder / bulletin_filename(month, "pdf"), to_pdf(bulletin)),
               _write(folder / bulletin_filename(month, "docx"), to_docx(bulletin))]
    for city in CITY_CODES:
        report = city_report_data(PROVINCE, city, month)
        written.append(_write(folder / report_filename(city, month, "xlsx"), to_xlsx(report)))
        written.append(_write(folder / report_filename(city, month, "pdf"), to_pdf(report)))
    return written
