"""The city monthly report (城市月报, XLSX and PDF) and the monthly bulletin (通报, PDF and DOCX), read
through the query layer, and the store of the files produced after each publish.

    data = city_report_data(viewer, "140100", "2025-09")
    xlsx_bytes, pdf_bytes = to_xlsx(data), to_pdf(data)
    bulletin = bulletin_data(viewer, "2025-09")
    pdf_bytes, docx_bytes = to_pdf(bulletin), to_docx(bulletin)

CLI: ``python -m dashboards.reports [report] --city 140100 --month 2025-09 --format xlsx|pdf --out FILE``,
``python -m dashboards.reports bulletin --month 2025-09 --format pdf|docx``, and
``python -m dashboards.reports publish --month 2025-09`` (every file of a month into the report store).
The names are imported lazily so that the CLI can quieten Streamlit's logging before the query layer
(and its st.cache_data decorators) is imported.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "Bulletin": "bulletin",
    "bulletin_data": "bulletin",
    "bulletin_filename": "bulletin",
    "CityReport": "data",
    "Section": "data",
    "city_report_data": "data",
    "report_filename": "data",
    "to_pdf": "pdf",
    "to_docx": "word",
    "to_xlsx": "xlsx",
    "publish_month": "store",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"dashboards.reports.{_EXPORTS[name]}"), name)
    raise AttributeError(name)
