"""Feed `authorizations`: enterprises' electronic authorizations for credit queries (CSV)."""

from pipelines.defs.ingest.feed_asset import build_feed_asset

authorizations = build_feed_asset(
    "authorizations",
    "企业电子授权（后到的同号记录覆盖先到的）/ Electronic authorizations; a later row supersedes.",
)
