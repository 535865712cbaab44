"""Feed `applications`: financing demands and their life-cycle events (CSV, one row per event)."""

from pipelines.defs.ingest.feed_asset import build_feed_asset

applications = build_feed_asset(
    "applications",
    "融资需求事件：通过行规则的行（个人信息已脱敏，明文仅在 restricted）/ "
    "Application events that passed the row rules; PII masked (clear only in schema restricted).",
)
