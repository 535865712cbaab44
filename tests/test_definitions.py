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
    indicator_values = dg.AssetKey(["marts", "indicator_values"])  # the model fct_indicator_values, keyed as published
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


def test_ingest_is_partitioned_by_business_date_with_single_run_backfills():
    from pipelines.definitions import defs
    from pipelines.defs.partitions import BUSINESS_MONTHS

    ingest = defs.resolve_assets_def(dg.AssetKey(["raw", "applications"]))
    assert ingest.partitions_def == BUSINESS_MONTHS
    assert ingest.backfill_policy.max_partitions_per_run is None  # one run for any range


def test_the_sensor_asks_one_run_for_the_months_that_changed(tmp_path, monkeypatch):
    from tests import landing_factory as lf

    monkeypatch.setenv("LOANCODE_LANDING", str(tmp_path))
    from pipelines.defs.automation import landing_zone_sensor

    def tick(cursor):
        context = dg.build_sensor_context(cursor=cursor)
        return landing_zone_sensor(context), context.cursor

    lf.write_applications(tmp_path, "20250303", [lf.submitted()])
    lf.write_applications(tmp_path, "20250305", [lf.submitted()])
    request, cursor = tick(None)
    assert request.tags["dagster/asset_partition_range_start"] == "2025-03-01"
    assert request.tags["dagster/asset_partition_range_end"] == "2025-03-01"
    assert "loancode/all_files" not in request.tags
    nothing, cursor = tick(cursor)
    assert isinstance(nothing, dg.SkipReason)
    lf.write_applications(tmp_path, "20250610", [lf.submitted()])
    lf.write_applications(tmp_path, "20250305", [lf.submitted(), lf.event("accepted", "E2")])  # re-delivered
    request, cursor = tick(cursor)
    assert (request.tags["dagster/asset_partition_range_start"],
            request.tags["dagster/asset_partition_range_end"]) == ("2025-03-01", "2025-06-01")
    lf.write_bytes(tmp_path, "applications", "applications_march.csv", b"x")  # misnamed: take in everything
    request, _ = tick(cursor)
    assert request.tags["loancode/all_files"] == "true"


def test_the_assets_duckdb_connection_keeps_the_builds_memory_ceiling(tmp_path, monkeypatch):
    """The matching assets read tens of millions of pairs through this connection: without a ceiling DuckDB
    would take 80 % of the machine (docs/performance.md, "The 10M province")."""
    import duckdb

    from pipelines.defs.resources import WarehouseResource

    monkeypatch.setenv("LOANCODE_BUILD_MEMORY", "1GB")
    work = tmp_path / "warehouse.duckdb.building"
    duckdb.connect(str(work)).close()  # a run's working file, already prepared
    resource = WarehouseResource(published=str(tmp_path / "warehouse.duckdb"), working=str(work),
                                 landing=str(tmp_path / "landing"))
    with resource.connect() as con:
        limit = con.execute("select current_setting('memory_limit')").fetchone()[0]
    assert limit == "953.6 MiB", limit  # 1 GB = 10^9 bytes, shown in GiB units
