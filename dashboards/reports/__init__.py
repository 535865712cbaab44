"""The city monthly report (城市月报): one city's month as XLSX and PDF, read through the query layer.

    data = city_report_data(viewer, "140100", "2025-09")
    xlsx_bytes, pdf_bytes = to_xlsx(data), to_pdf(data)

CLI: ``python -m dashboards.reports [report] --city 140100 --month 2025-09 --format xlsx|pdf --out FILE``.
The names are imported lazily so that the CLI can quieten Streamlit's logging before the query layer
(and its st.cache_data decorators) is imported.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "CityReport": "data",
    "Section": "data",
    "city_report_data": "data",
    "report_filename": "data",
    "to_pdf": "pdf",
    "to_xlsx": "xlsx",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"dashboards.reports.{_EXPORTS[name]}"), name)
    raise AttributeError(name)
