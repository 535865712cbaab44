"""Feed `credit_reports`: enterprise credit reports from 太原企业征信 (JSON Lines)."""

from pipelines.defs.ingest.feed_asset import build_feed_asset

credit_reports = build_feed_asset(
    "credit_reports",
    "征信报告查询记录（嵌套字段已展开）/ Credit report queries, nested fields flattened.",
)
