"""The only code that touches the warehouse. Every function takes the viewer and enforces its scope.

Queries run on one read-only connection per published file version (see ``_db``); results are cached
with ``st.cache_data`` keyed on the file's path, mtime and size, so a newly published build shows up.
"""

from dashboards.queries._db import (
    MISSING_MESSAGE,
    WarehouseMissing,
    WarehouseUnavailable,
    release,
    stamp,
    warehouse_exists,
)
from dashboards.queries.indicators import (
    base_code,
    catalog,
    cities,
    city_values,
    counties,
    county_values,
    home_values,
    institution_values,
    periods,
    snapshot,
    values,
)
from dashboards.queries.attribution import attribution
from dashboards.queries.breakdowns import DIMENSIONS, breakdown, issuer_labels, members
from dashboards.queries.promotion import P_CODES, issuer_by_city, promotion_codes
from dashboards.queries.report_files import report_file, report_files
from dashboards.queries.ingest import ingest_files, quarantine_sample, quarantine_summary
from dashboards.queries.reporting import (
    alert_activity,
    city_alerts,
    institution_profile,
    institution_register,
    listed_products,
    overdue_demands,
    product_periods,
    shelf_history,
)
from dashboards.scope import ScopeError, Viewer

__all__ = [
    "DIMENSIONS",
    "alert_activity",
    "MISSING_MESSAGE",
    "P_CODES",
    "ScopeError",
    "Viewer",
    "WarehouseMissing",
    "WarehouseUnavailable",
    "attribution",
    "base_code",
    "breakdown",
    "catalog",
    "city_alerts",
    "cities",
    "city_values",
    "counties",
    "county_values",
    "home_values",
    "ingest_files",
    "institution_profile",
    "institution_register",
    "institution_values",
    "issuer_by_city",
    "issuer_labels",
    "listed_products",
    "members",
    "overdue_demands",
    "product_periods",
    "promotion_codes",
    "periods",
    "quarantine_sample",
    "quarantine_summary",
    "release",
    "report_file",
    "report_files",
    "shelf_history",
    "snapshot",
    "stamp",
    "values",
    "warehouse_exists",
]
