"""The only code that touches the warehouse. Every function takes the viewer and enforces its scope.

Each call opens the published DuckDB file read-only and closes it; results are cached with
``st.cache_data`` keyed on the file's path, mtime and size, so a newly published build shows up.
"""

from dashboards.queries._db import (
    MISSING_MESSAGE,
    WarehouseMissing,
    WarehouseUnavailable,
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
from dashboards.queries.ingest import ingest_files, quarantine_sample, quarantine_summary
from dashboards.scope import ScopeError, Viewer

__all__ = [
    "MISSING_MESSAGE",
    "ScopeError",
    "Viewer",
    "WarehouseMissing",
    "WarehouseUnavailable",
    "base_code",
    "catalog",
    "cities",
    "city_values",
    "counties",
    "county_values",
    "home_values",
    "ingest_files",
    "institution_values",
    "periods",
    "quarantine_sample",
    "quarantine_summary",
    "snapshot",
    "stamp",
    "values",
    "warehouse_exists",
]
