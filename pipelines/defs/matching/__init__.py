"""Matching in Dagster (docs/matching.md): the model file, the scoring date's recommendations and
prospects, and the held-out evaluation. They run after dbt, inside `make build`, before publishing;
outside a build, automation re-scores when their upstream assets change (new credit reports or a
register snapshot reach int_match_pairs_featured through dbt)."""
# No `from __future__ import annotations`: Dagster inspects the context annotation at runtime.

import dagster as dg

from loancode import config
from pipelines.defs.resources import WAREHOUSE_POOL, WarehouseResource
from pipelines.lib.matching import run

PAIRS = dg.AssetKey(["intermediate", "int_match_pairs_featured"])
MODEL = dg.AssetKey(["matching", "model"])
RECOMMENDATIONS = dg.AssetKey(["marts", "match_recommendations"])
PROSPECTS = dg.AssetKey(["marts", "product_prospects"])
EVALUATION = dg.AssetKey(["marts", "match_evaluation"])
KEYS = (MODEL, RECOMMENDATIONS, PROSPECTS, EVALUATION)
GROUP = "matching"


def _plain(value):
    return value if isinstance(value, int | float | str | bool) or value is None else str(value)


@dg.asset(
    key=MODEL,
    deps=[PAIRS],
    group_name=GROUP,
    kinds={"xgboost"},
    pool=WAREHOUSE_POOL,
    automation_condition=dg.AutomationCondition.eager(),
    description="匹配排序模型文件（XGBoost LambdaMART），训练窗口与指标见元数据 / The ranking model file, trained "
                "on the demands before the cut-off; its training window and metrics are its metadata.",
)
def matching_model(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        record = run.train_model(con, config.matching_models_dir(), config.matching_threads())
    if record["model_file"] is None:
        context.log.warning("训练需求不足，暂无模型，按规则排序 / no training demands yet: the rules rank")
    path = None if record["model_file"] is None else str(config.matching_models_dir() / record["model_file"])
    return dg.MaterializeResult(metadata={
        "path": path, **{k: _plain(v) for k, v in record.items() if k not in ("features", "params")},
        "features": len(record["features"]), "params": record["params"],
    })


@dg.multi_asset(
    specs=[
        dg.AssetSpec(RECOMMENDATIONS, deps=[MODEL, PAIRS], group_name=GROUP, kinds={"duckdb"},
                     automation_condition=dg.AutomationCondition.eager(),
                     description="每户企业前10个符合准入条件的产品及推荐理由 / Top 10 eligible products per "
                                 "enterprise with their reasons (推荐理由)."),
        dg.AssetSpec(PROSPECTS, deps=[MODEL, PAIRS], group_name=GROUP, kinds={"duckdb"},
                     automation_condition=dg.AutomationCondition.eager(),
                     description="每个上架产品的前100户潜在客户 / Top 100 prospects per listed product."),
    ],
    pool=WAREHOUSE_POOL,
)
def match_recommendations(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    with warehouse.connect() as con:
        model, model_file = run.current_model(con, config.matching_models_dir())
        figures = run.score(con, model, config.matching_threads())
    context.log.info(f"匹配推荐 / scored: {figures}")
    metadata = {"model_file": model_file, **figures}
    yield dg.MaterializeResult(asset_key=RECOMMENDATIONS, metadata=metadata)
    yield dg.MaterializeResult(asset_key=PROSPECTS, metadata={"model_file": model_file, "rows": figures["prospects"]})


@dg.asset(
    key=EVALUATION,
    deps=[MODEL, PAIRS, RECOMMENDATIONS],
    group_name=GROUP,
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
    automation_condition=dg.AutomationCondition.eager(),
    description="留出月份上的评估：模型、热门度、规则的 NDCG@10 与命中率，覆盖度，校准 / The held-out evaluation "
                "(model vs popularity vs rules-only), coverage and calibration, stored per scoring date.",
)
def match_evaluation(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        model, model_file = run.current_model(con, config.matching_models_dir())
        figures = run.evaluate(con, model, model_file, config.matching_threads())
    metadata = {f"{method}_{metric}": value for method, values in figures["ranking"].items()
                for metric, value in values.items()}
    metadata |= figures["coverage"] | {"brier_score": figures["brier_score"]}
    return dg.MaterializeResult(metadata={k: _plain(v) for k, v in metadata.items()})


assets = [matching_model, match_recommendations, match_evaluation]
