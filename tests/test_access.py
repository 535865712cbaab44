"""Who may see what, tried as each role on a real built province (AppTest): docs/access.md's table equals
dashboards/access.py and every cell holds; a city office cannot reach another city by URL parameter,
filter or download; no page of any role, no download and no non-restricted table shows a clear name or
phone from `restricted`. Sign-in: nothing before it, wrong password, lock-out, sign-out, expiry."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pandas as pd
import pytest

from dashboards import access, actions
from dashboards import queries as q
from dashboards.queries import audit as audit_queries
from dashboards.queries import quality as quality_queries
from dashboards.queries._guard import requires
from dashboards.scope import CITY_NAMES, ScopeError, Viewer
from loancode import audit_log, users
from tests import app_session
from tests.built_province import built_warehouse, point_dashboards_at
from tests.clear_pii import ClearValues, clear_values, leaks_in_warehouse

ROOT = Path(__file__).resolve().parent.parent
TAIYUAN, DATONG = "140100", "140200"
ROLE_CITY = {"province": None, "city": TAIYUAN, "steward": None, "analyst": None}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return built_warehouse(tmp_path_factory)


@pytest.fixture(scope="module")
def clear(warehouse) -> ClearValues:
    return clear_values(warehouse)


@pytest.fixture(autouse=True)
def _env(warehouse, monkeypatch, tmp_path):
    point_dashboards_at(warehouse, monkeypatch, tmp_path)
    app_session.use_stores(monkeypatch, tmp_path)


# --- the table -------------------------------------------------------------------------------------------

def docs_table() -> dict[str, dict[str, bool]]:
    """{key: {role: allowed}} from docs/access.md's table (rows whose first cell ends in a `key`)."""
    text = (ROOT / "docs" / "access.md").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln.startswith("| 项目")]
    assert len(lines) == 1, "docs/access.md has one table headed 项目"
    header = [c.strip().split()[0] for c in lines[0].strip("|").split("|")[1:]]
    table = {}
    for line in text.splitlines()[text.splitlines().index(lines[0]) + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        key = re.findall(r"`([a-z_]+)`", cells[0])[-1]
        table[key] = {role: cell.startswith("✔") for role, cell in zip(header, cells[1:], strict=True)}
    return table


def test_docs_table_is_access_py():
    table = docs_table()
    expected = {p.key: {r: r in p.roles for r in users.ROLES} for p in access.PAGES}
    for capability in ("report_download", "bulletin_download", "sql_download", "audit_download", "workflow", "sql"):
        expected[capability] = {r: access.may(r, capability) for r in users.ROLES}
    assert table == expected


def test_every_query_function_checks_the_role():
    """Each function of the query layer that takes the viewer carries @requires."""
    import inspect

    from dashboards.queries import audit, breakdowns, indicators, ingest, quality, reporting, workflow

    unguarded = []
    for module in (audit, breakdowns, indicators, ingest, quality, reporting, workflow):
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or name.startswith("_"):
                continue
            params = list(inspect.signature(fn).parameters)
            if params[:1] == ["viewer"] and not hasattr(fn, "capability"):
                unguarded.append(f"{module.__name__}.{name}")
    assert unguarded == []
    assert requires("sql")(lambda viewer: 1).capability == "sql"


# --- every role × every page ---------------------------------------------------------------------------

def page_text(at) -> str:
    """Everything a page shows: text elements, metrics, tables, chart data, widget options."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "code", "error", "info",
                 "warning", "success"):
        parts += [str(e.value) for e in at.get(kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [d.value.to_csv(index=False) for d in at.dataframe]
    parts += [c.proto.spec for c in at.get("plotly_chart")]
    for box in at.selectbox:
        parts += [str(o) for o in box.options]
    return "\n".join(parts)


@pytest.mark.parametrize("role", list(users.ROLES))
def test_every_page_of_every_role(role, clear):
    at = app_session.app(role, ROLE_CITY[role])
    assert not at.exception, [e.message for e in at.exception]
    for spec in access.PAGES:
        at.switch_page(spec.script).run()
        assert not at.exception, (role, spec.key, [e.message for e in at.exception])
        errors = [e.value for e in at.error]
        if role in spec.roles:
            assert not errors, (role, spec.key, errors)
            assert at.title, (role, spec.key)
            assert clear.found_in(page_text(at)) == [], (role, spec.key)
        else:
            assert errors == [f"当前角色（{users.ROLES[role]}）无权访问“{spec.title}”页面。"], (role, spec.key)
            assert not at.dataframe and not at.metric and not at.get("plotly_chart")
    refused = {e["target"] for e in audit_log.events(action="access_refused")}
    assert refused == {f"page:{p.key}" for p in access.PAGES if role not in p.roles}


def test_the_download_and_action_cells(warehouse):
    """Each role's downloads and actions in the query/action layer, as the table says."""
    month = q.periods(Viewer()).pop()
    for role, city in ROLE_CITY.items():
        viewer = Viewer(city or "province", role, f"t_{role}")
        table = docs_table()
        report_city = city or TAIYUAN
        if table["report_download"][role]:
            assert actions.city_report(viewer, report_city, month, "xlsx")[:2] == b"PK"
        else:
            with pytest.raises(ScopeError, match="无权使用城市月报下载"):
                actions.city_report(viewer, report_city, month, "pdf")
        if table["sql"][role]:
            outcome = actions.run_sql(viewer, "SELECT count(*) AS n FROM marts.dim_city")
            assert outcome.ok and outcome.frame.iloc[0, 0] == 11
            assert actions.sql_csv(viewer, outcome).decode("utf-8-sig").startswith("n")
        else:
            with pytest.raises(ScopeError, match="无权使用SQL 查询"):
                actions.run_sql(viewer, "SELECT 1")
        if table["audit_download"][role]:
            assert actions.audit_csv(viewer, pd.DataFrame({"a": [1]}))
        else:
            with pytest.raises(ScopeError):
                actions.audit_csv(viewer, pd.DataFrame({"a": [1]}))
        alert = quality_queries.alerts(Viewer()).iloc[0]["alert_id"]
        if table["workflow"][role]:
            assert actions.act_on_alert(viewer, "acknowledge" if role == "province" else "reopen", alert,
                                        "核实") in ("acknowledged", "open")
        else:
            with pytest.raises(ScopeError):
                actions.act_on_alert(viewer, "acknowledge", alert)
    downloads = audit_log.events(action="download")
    assert {(e["username"], e["outcome"]) for e in downloads} >= {("t_city", "success"), ("t_analyst", "success")}
    assert {e["username"] for e in audit_log.events(action="workflow")} == {"t_province", "t_steward"}


# --- a city office and the other cities ------------------------------------------------------------------

OTHER_DIVISIONS = [("city", DATONG), ("city", "140000"), ("county", "140212"), ("dq_city", DATONG),
                   ("institution", "140200")]


def test_a_city_office_cannot_name_another_city_in_a_url(warehouse):
    at = app_session.app("city", TAIYUAN)
    for spec in access.pages_for("city"):
        for param, value in OTHER_DIVISIONS:
            at.query_params.clear()
            at.query_params[param] = value
            at.switch_page(spec.script).run()
            errors = [e.value for e in at.error]
            assert len(errors) == 1 and "当前查看范围为太原市，无权查看" in errors[0], (spec.key, param, errors)
            assert not at.metric and not at.dataframe
    # its own city and counties are fine
    at.query_params.clear()
    at.query_params["city"] = TAIYUAN
    at.switch_page("app_pages/city.py").run()
    assert not at.error and "太原市" in at.title[0].value


def test_a_city_office_is_offered_no_other_city_in_any_filter(warehouse):
    at = app_session.app("city", TAIYUAN)
    others = {n for c, n in CITY_NAMES.items() if c != TAIYUAN} | {c for c in CITY_NAMES if c != TAIYUAN}
    for spec in access.pages_for("city"):
        at.query_params.clear()
        at.switch_page(spec.script).run()
        offered = {str(o) for box in at.selectbox for o in box.options}
        offered |= {str(o) for s in at.select_slider for o in s.options}
        assert not offered & others, (spec.key, offered & others)
        assert not any(t.value in others for t in at.text_input)


def test_a_city_office_cannot_download_another_citys_report(warehouse, tmp_path):
    import subprocess
    import sys

    office = Viewer(TAIYUAN, "city", "t_city")
    month = q.periods(office).pop()
    with pytest.raises(ScopeError, match="无权查看大同市"):
        actions.city_report(office, DATONG, month, "xlsx")
    refused = audit_log.events(action="access_refused")
    assert refused[0]["username"] == "t_city" and "140200" in refused[0]["target"]
    cli = subprocess.run([sys.executable, "-m", "dashboards.reports", "--city", DATONG, "--month", month,
                          "--scope", TAIYUAN, "--out", str(tmp_path / "r.xlsx")], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode == 2 and "无权查看大同市" in cli.stderr and not (tmp_path / "r.xlsx").exists()


# --- personal information -------------------------------------------------------------------------------

def test_no_clear_personal_information_outside_restricted(warehouse, clear):
    assert leaks_in_warehouse(warehouse, clear) == []


def test_no_download_carries_clear_personal_information(warehouse, clear):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    province = Viewer("province", "province", "t_province")
    month = q.periods(province).pop()
    for city in (TAIYUAN, DATONG):
        xlsx = load_workbook(io.BytesIO(actions.city_report(province, city, month, "xlsx")), read_only=True)
        cells = "\n".join(str(v) for ws in xlsx.worksheets for row in ws.iter_rows(values_only=True)
                          for v in row if v is not None)
        assert cells and clear.found_in(cells) == []
        pdf = PdfReader(io.BytesIO(actions.city_report(province, city, month, "pdf")))
        text = "\n".join(p.extract_text() or "" for p in pdf.pages)
        assert text and clear.found_in(text) == []
    for table in actions.sql_tables(province):  # every table the console (and its CSV) can reach
        outcome = actions.run_sql(province, f"SELECT * FROM {table}")
        assert outcome.ok, (table, outcome.message)
        assert clear.found_in(actions.sql_csv(province, outcome).decode("utf-8-sig")) == [], table
    audit_csv = actions.audit_csv(province, audit_queries.events(province)).decode("utf-8-sig")
    assert "SELECT * FROM" in audit_csv and clear.found_in(audit_csv) == []


def test_the_pii_finder_finds_what_it_should(tmp_path):
    import duckdb

    from tests import warehouse_fixture

    path = tmp_path / "planted.duckdb"
    warehouse_fixture.build_warehouse(path)
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA restricted; CREATE TABLE restricted.applications_pii AS "
                    "SELECT '王建国' AS legal_rep_name, '13812341234' AS contact_phone UNION ALL SELECT '李伟', NULL")
        con.execute("CREATE TABLE marts.leak1 AS SELECT '{\"legal_rep_name\": \"李伟\"}' AS raw_record")
        con.execute("CREATE TABLE audit.leak2 AS SELECT 13812341234 AS phone, '法人王建国' AS note")
    finder = clear_values(path)
    assert leaks_in_warehouse(path, finder) == ["audit.leak2.note", "audit.leak2.phone", "marts.leak1.raw_record"]
    assert finder.found_in('{"legal_rep_name": "李伟", "phone": "13812341234"}')
    assert finder.found_in("法人王建国") and finder.found_in("李伟")
    assert not finder.found_in("138****1234 王** 李* 李伟明天") and not finder.found_in("913812341234")


# --- sign-in --------------------------------------------------------------------------------------------

def _fresh():
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(app_session.APP, default_timeout=60).run()


def test_nothing_is_shown_before_sign_in_and_a_wrong_password_is_refused(warehouse):
    username, _ = app_session.account("province")
    at = _fresh()
    assert [t.value for t in at.title] == ["三晋贷款码 数据分析平台"]
    assert not at.metric and not at.dataframe and not at.get("plotly_chart") and not at.sidebar.button
    app_session.sign_in(at, username, "wrong-password")
    assert [e.value for e in at.error] == ["用户名或密码错误。"] and not at.metric
    app_session.sign_in(at, "nobody", "wrong-password")
    assert [e.value for e in at.error] == ["用户名或密码错误。"]
    events = audit_log.events(action="sign_in")
    assert [(e["username"], e["outcome"]) for e in events] == [("nobody", "wrong"), (username, "wrong")]


def test_lock_out_after_five_failures(warehouse):
    username, password = app_session.account("analyst")
    at = _fresh()
    for _ in range(5):
        app_session.sign_in(at, username, "wrong-password")
    assert "已锁定" in at.error[0].value
    app_session.sign_in(at, username, password)  # the right password during the lock-out
    assert "已锁定" in at.error[0].value and not at.metric
    users.reset_password(username, password)  # an administrator's reset lifts it
    app_session.sign_in(at, username, password)
    assert not at.error and at.metric


def test_sign_out_and_inactivity_end_the_session(warehouse):
    from dashboards import auth

    at = app_session.app("province")
    assert at.metric
    at.sidebar.button(key="sign_out").click().run()
    assert at.text_input(key="sign_in_username") is not None and not at.metric
    assert "已退出登录" in at.info[0].value
    at = app_session.app("province")
    at.session_state[auth.SEEN_KEY] = time.time() - 31 * 60
    at.run()
    assert "未操作，已自动退出" in at.info[0].value and not at.metric
    at = app_session.app("analyst")
    users.set_disabled("t_analyst", True)
    at.run()
    assert "已停用" in at.info[0].value and not at.metric
    actions_logged = [(e["username"], e["action"]) for e in audit_log.events()]
    assert ("t_province", "sign_out") in actions_logged and ("t_province", "session_expired") in actions_logged


# --- OIDC ------------------------------------------------------------------------------------------------

SECRETS = {
    "auth": {
        "redirect_uri": "https://loancode.example.gov.cn/oauth2callback",
        "cookie_secret": "x" * 40,
        "bureau": {"client_id": "loancode", "client_secret": "s3cret",
                   "server_metadata_url": "https://sso.example.gov.cn/.well-known/openid-configuration"},
    },
    "loancode": {"oidc": {"provider": "bureau", "role_claim": "groups", "username_claim": "preferred_username",
                          "role_map": {"jrj-sj": "province", "jrj-ty": f"city:{TAIYUAN}",
                                       "jrj-sjgl": "steward", "jrj-fx": "analyst"}}},
}


def test_oidc_configuration_is_parsed_and_checked():
    from dashboards.auth import OidcConfigError, oidc_settings

    assert oidc_settings({}) is None  # no [auth]: the embedded store
    settings = oidc_settings(SECRETS)
    assert (settings.provider, settings.role_claim, settings.username_claim) == ("bureau", "groups",
                                                                                 "preferred_username")
    assert settings.role_map["jrj-ty"] == "city:140100"
    default = oidc_settings({"auth": {**{k: v for k, v in SECRETS["auth"].items() if k != "bureau"},
                                      **SECRETS["auth"]["bureau"]}})
    assert default.provider is None and default.role_claim == "loancode_role"
    broken = {"auth": {"redirect_uri": "http://localhost:8501/callback", "cookie_secret": "short",
                       "client_id": "x"},
              "loancode": {"oidc": {"role_map": {"g": "city:999999"}}}}
    with pytest.raises(OidcConfigError) as exc:
        oidc_settings(broken)
    for problem in ("redirect_uri", "cookie_secret", "client_secret", "server_metadata_url", "role_map"):
        assert problem in str(exc.value)


def test_oidc_claims_map_to_role_and_city():
    from dashboards.auth import ClaimError, map_claims, oidc_settings

    settings = oidc_settings(SECRETS)
    assert map_claims(settings, {"preferred_username": "li", "groups": ["staff", "jrj-ty"]}) == Viewer(
        TAIYUAN, "city", "li")
    assert map_claims(settings, {"preferred_username": "wu", "groups": "jrj-fx"}).role == "analyst"
    plain = oidc_settings({"auth": {**{k: v for k, v in SECRETS["auth"].items() if k != "bureau"},
                                    **SECRETS["auth"]["bureau"]}})
    assert map_claims(plain, {"email": "a@b", "loancode_role": "city", "loancode_city": DATONG}).scope == DATONG
    for claims, message in (({"preferred_username": "x", "groups": ["staff"]}, "未分配本平台的角色"),
                            ({"preferred_username": "x", "groups": ["jrj-sj", "jrj-fx"]}, "多个角色"),
                            ({"groups": ["jrj-sj"]}, "未提供用户标识")):
        with pytest.raises(ClaimError, match=message):
            map_claims(settings, claims)
    with pytest.raises(ClaimError, match="地市"):
        map_claims(plain, {"email": "a@b", "loancode_role": "city", "loancode_city": "999999"})


def test_the_app_signs_in_through_oidc_when_configured(warehouse):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(app_session.APP, default_timeout=60)
    at.secrets.update(SECRETS)
    at.user = {"is_logged_in": False}
    at.run()
    assert at.button(key="sign_in_oidc").label == "使用统一身份认证登录" and not at.metric
    at.user = {"is_logged_in": True, "preferred_username": "zhou@ty", "groups": ["jrj-ty"]}
    at.run()
    assert not at.exception and "太原市" in at.title[0].value
    at.switch_page("app_pages/institution.py").run()
    assert "无权访问“机构”页面" in at.error[0].value
    at = AppTest.from_file(app_session.APP, default_timeout=60)
    at.secrets.update(SECRETS)
    at.user = {"is_logged_in": True, "preferred_username": "nobody", "groups": ["staff"]}
    at.run()
    assert "未分配本平台的角色" in at.error[0].value and not at.metric
    logged = {(e["username"], e["outcome"]) for e in audit_log.events(action="sign_in")}
    assert logged == {("zhou@ty", "success"), ("nobody", "unmapped")}
