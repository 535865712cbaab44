"""Feed `register`: the operator's register of institutions and products (XLSX, full snapshots)."""

from pipelines.defs.ingest.feed_asset import build_feed_asset

register = build_feed_asset(
    "register",
    "机构与产品名录快照（两个工作表，金额单位万元）/ Register snapshots, sheets 机构 and 产品, amounts in 万元.",
)
