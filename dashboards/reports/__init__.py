"""The city monthly report (城市月报): one city's month as XLSX and PDF, read through the query layer.

    data = city_report_data(viewer, "140100", "2025-09")
    xlsx_bytes, pdf_bytes = to_xlsx(data), to_pdf(data)

CLI: ``python -m dashboards.reports [report] --city 140100 --month 2025-09 --format xlsx|pdf --out FILE``.
"""

from dashboards.reports.data import CityReport, Section, city_report_data, report_filename
from dashboards.reports.pdf import to_pdf
from dashboards.reports.xlsx import to_xlsx

__all__ = ["CityReport", "Section", "city_report_data", "report_filename", "to_pdf", "to_xlsx"]
