"""The Dagster code location loads, and ingest and dbt are one lineage graph."""

import dagster as dg


def test_definitions_load_with_one_lineage_graph():
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = set(graph.get_all_asset_keys())
    for feed_table in ("applications", "register_institutions", "register_products", "credit_reports",
                       "authorizations"):
        key = dg.AssetKey(["raw", feed_table])
        assert key in keys
        assert graph.get(key).is_materializable  # produced by an ingest asset, not an external source
    indicator_values = dg.AssetKey(["marts", "indicator_values"])
    assert indicator_values in keys
    upstream = graph.get(indicator_values).parent_keys
    ancestors, frontier = set(upstream), list(upstream)
    while frontier:
        for parent in graph.get(frontier.pop()).parent_keys:
            if parent not in ancestors:
                ancestors.add(parent)
                frontier.append(parent)
    assert dg.AssetKey(["raw", "applications"]) in ancestors
    assert dg.AssetKey(["published_warehouse"]) in keys
    assert defs.resolve_job_def("build_warehouse") is not None
    assert defs.resolve_schedule_def("daily_build").cron_schedule == "0 6 * * *"
    assert defs.resolve_sensor_def("landing_zone_sensor") is not None
