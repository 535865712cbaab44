"""The stewards' workflow: acknowledge / resolve / reopen with comments in a SQLite store outside the
warehouse; it survives a rebuild, and an alert resolved and seen again reopens by itself. The 数据质量
page renders for a provincial steward and a city viewer."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from loancode import audit_log, workflow
from tests import app_session
from tests.quality_province import build, province, read_alerts

sys.path.insert(0, str(Path(__file__).resolve().parent))


# -- the store alone -------------------------------------------------------------------------------

def test_acknowledge_resolve_reopen_with_comments(tmp_path):
    db = tmp_path / "wf.sqlite"
    assert workflow.states(["a1"], path=db)["a1"].status == "open"
    assert workflow.acknowledge("a1", "张三", "已核实", path=db).status == "acknowledged"
    with pytest.raises(workflow.WorkflowError):
        workflow.acknowledge("a1", "张三", path=db)
    resolved = workflow.resolve("a1", "张三", "已整改", last_seen="2025-06-01 10:00:00", occurrences=2, path=db)
    assert (resolved.status, resolved.resolved_last_seen, resolved.resolved_occurrences) == (
        "resolved", "2025-06-01 10:00:00", 2)
    assert workflow.reopen("a1", "李四", "复查未通过", path=db).status == "open"
    with pytest.raises(workflow.WorkflowError):
        workflow.reopen("a1", "李四", path=db)
    with pytest.raises(workflow.WorkflowError):
        workflow.acknowledge("a1", " ", path=db)  # who acted is required
    steps = [(h["action"], h["from_status"], h["to_status"], h["by"], h["comment"]) for h in workflow.history("a1", path=db)]
    assert steps == [("acknowledge", "open", "acknowledged", "张三", "已核实"),
                     ("resolve", "acknowledged", "resolved", "张三", "已整改"),
                     ("reopen", "resolved", "open", "李四", "复查未通过")]


def test_reconcile_reopens_only_what_is_seen_again(tmp_path):
    db = tmp_path / "wf.sqlite"
    for a in ("same", "later", "more", "vanishes"):
        workflow.resolve(a, "张三", last_seen=dt.datetime(2025, 6, 1), occurrences=1, path=db)
    seen = [("same", dt.datetime(2025, 6, 1), 1), ("later", dt.datetime(2025, 6, 2), 1), ("more", "2025-06-01", 3)]
    assert sorted(workflow.reconcile(seen, path=db)) == ["later", "more"]
    assert workflow.reconcile(seen, path=db) == []  # idempotent
    states = workflow.states(path=db)
    assert states["same"].status == "resolved" and states["vanishes"].absent_since is not None
    # gone for a build, then back: seen again
    assert workflow.reconcile(seen + [("vanishes", dt.datetime(2025, 6, 1), 1)], path=db) == ["vanishes"]
    last = workflow.history("later", path=db)[-1]
    assert (last["by"], last["action"], last["to_status"]) == (workflow.SYSTEM, "reopen", "open")
    assert "再次出现" in last["comment"]


# -- across a rebuild of a generated province ------------------------------------------------------

def _add_unlawful_query(landing: Path, file_name: str, template: dict) -> dict:
    """Re-deliver a credit report file with one more query of the same institution and enterprise,
    an hour after the planted one, without any authorization."""
    path = landing / "credit_reports" / file_name
    report = dict(template)
    queried = dt.datetime.strptime(template["queried_at"], "%Y-%m-%d %H:%M:%S") + dt.timedelta(hours=1)
    report.update(report_id=template["report_id"][:10] + "999999", queried_at=f"{queried:%Y-%m-%d %H:%M:%S}",
                  authorization_id=None)
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(report, ensure_ascii=False) + "\n")
    return report


def test_workflow_state_survives_a_rebuild_and_resolved_alerts_seen_again_reopen():
    built = province()
    db, before = built.workflow_db, built.alerts
    unlawful = before[before["rule_code"] == "unlawful_credit_queries"].sort_values("last_seen").iloc[-1]
    products = before[before["entity_type"] == "product"].sort_values("alert_id")
    contract = before[before["rule_code"] == "contract_rows_quarantined"].sort_values("alert_id")
    acknowledged, stays_resolved = products.iloc[0], contract.iloc[0]
    workflow.acknowledge(acknowledged.alert_id, "张三", "已通知平台运营方下架", path=db)
    workflow.resolve(stays_resolved.alert_id, "张三", "已告知数据提供方", last_seen=stays_resolved.last_seen,
                     occurrences=stays_resolved.occurrences, path=db)
    workflow.resolve(unlawful.alert_id, "李四", "机构已说明", last_seen=unlawful.last_seen,
                     occurrences=unlawful.occurrences, path=db)

    # the same problem again in new data: one more unauthorized query by that institution of that enterprise
    with duckdb.connect(str(built.published), read_only=True) as con:
        file_name, row_number = con.execute(
            "SELECT file_name, row_number FROM marts.fct_credit_queries WHERE institution_id || '>' || uscc = ? "
            "ORDER BY queried_at DESC LIMIT 1", [unlawful.entity_key]).fetchone()
    lines = (built.landing / "credit_reports" / file_name).read_text(encoding="utf-8").splitlines()
    _add_unlawful_query(built.landing, file_name, json.loads(lines[row_number - 1]))
    # and a refused re-delivery (0 bytes) of a loaded authorizations file: its partition stays as it was
    refused = sorted((built.landing / "authorizations").glob("authorizations_*.csv"))[100]
    refused.write_bytes(b"")

    build(built.landing, built.published, db)
    after = read_alerts(built.published)

    # alert ids are stable: every alert of the first build is still there under the same id
    assert set(before["alert_id"]) <= set(after["alert_id"])
    new = after[~after["alert_id"].isin(before["alert_id"])]
    assert [(r.rule_code, r.entity_key, r.severity) for r in new.itertuples()] == [
        ("file_refused", refused.name, "critical")]
    again = after.set_index("alert_id").loc[unlawful.alert_id]
    assert again.occurrences == unlawful.occurrences + 1 and again.last_seen > unlawful.last_seen

    # the store survived the rebuild (it is not in the warehouse), and the build's reconcile reopened
    states = workflow.states(path=db)
    assert states[acknowledged.alert_id].status == "acknowledged"
    assert states[stays_resolved.alert_id].status == "resolved"
    assert states[unlawful.alert_id].status == "open"
    last = workflow.history(unlawful.alert_id, path=db)[-1]
    assert (last["by"], last["action"]) == (workflow.SYSTEM, "reopen")
    with duckdb.connect(str(built.published), read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert not {"alert_state", "alert_history"} & tables  # never inside the published warehouse


# -- the page ------------------------------------------------------------------------------------------

@pytest.fixture
def quality_page(monkeypatch, tmp_path):
    built = province()
    monkeypatch.setenv("LOANCODE_WAREHOUSE", str(built.published))
    app_session.use_stores(monkeypatch, tmp_path)
    return built, tmp_path / "workflow.sqlite"


def _run(role: str = "steward", city: str | None = None) -> AppTest:
    at = app_session.app(role, city, page="app_pages/quality.py")
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_quality_page_for_a_provincial_steward(quality_page):
    built, db = quality_page
    at = _run()
    assert at.title[0].value == "数据质量"
    labels = {m.label: m.value for m in at.metric}
    alerts = read_alerts(built.published)
    critical = int((alerts["severity"] == "critical").sum())
    card = ":red[:material/error:] 未解决·严重"  # a Material icon, not an emoji (no emoji font on a desktop)
    assert labels[card] == f"{critical:,} 条" or labels[card].startswith(str(critical))
    titles = {json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")}
    assert {"按规则的告警数", "按地市的告警数", "告警趋势（按首次发现月份）"} <= titles
    table = at.dataframe[0].value
    assert len(table) == len(alerts)
    # drill down into an unlawful query and acknowledge it
    at.selectbox(key="dq_rule").set_value("unlawful_credit_queries").run()
    chosen = at.selectbox(key="dq_alert").value
    evidence = at.dataframe[1].value
    assert "违规原因" in evidence.columns and len(evidence) >= 1
    at.text_area(key="dq_comment").input("已约谈机构")
    at.button(key="dq_acknowledge").click().run()
    assert not at.exception, [e.message for e in at.exception]
    state = workflow.states([chosen], path=db)[chosen]
    assert state.status == "acknowledged"
    last = workflow.history(chosen, path=db)[-1]
    assert (last["comment"], last["by"]) == ("已约谈机构", "t_steward")  # the signed-in user acted
    logged = audit_log.events(action="workflow")[0]
    assert (logged["username"], logged["role"], logged["target"]) == ("t_steward", "steward", chosen)
    # a quarantined row's evidence: the masked raw record, never a clear phone number
    at.selectbox(key="dq_rule").set_value("contract_rows_quarantined").run()
    raw = at.dataframe[1].value
    assert "原始记录（已脱敏）" in raw.columns
    assert not raw["原始记录（已脱敏）"].astype(str).str.contains(r"1[3-9]\d{9}").any()


def test_quality_page_is_the_stewards_not_a_city_offices(quality_page):
    built, _ = quality_page
    alerts = read_alerts(built.published)
    at = _run("province")
    assert len(at.dataframe[0].value) == len(alerts)
    city = alerts["city_code"].dropna().value_counts().index[0]
    at = app_session.app("city", city, page="app_pages/quality.py")
    assert any("无权访问“数据质量”页面" in e.value for e in at.error)
    assert not at.dataframe
