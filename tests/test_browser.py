"""The running app in a real browser: headless Chromium opens each page, waits until the KPI cards and
Plotly charts are drawn, and the visible text carries the marts' numbers. Screenshots are kept in
artifacts/screenshots/ (gitignored) for a person to look at."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from dashboards import format as fmt
from tests.browser_cdp import chromium_path
from tests.built_province import built_warehouse

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = chromium_path()

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium 未安装（make setup 会安装 Debian 的 chromium）/ chromium not installed"
)

READY = (
    "document.querySelectorAll('[data-testid=stMetricValue]').length >= {metrics} && "
    "document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charts} && "
    "!document.querySelector('[data-testid=stSkeleton]')"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return built_warehouse(tmp_path_factory)


@pytest.fixture(scope="module")
def app_url(warehouse, tmp_path_factory):
    port = _free_port()
    env = {**os.environ, "LOANCODE_WAREHOUSE": str(warehouse), "LOANCODE_VIEWER_SCOPE": "province",
           "LOANCODE_WORKFLOW_DB": str(tmp_path_factory.mktemp("workflow") / "workflow.sqlite")}
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboards/app.py", "--server.headless", "true",
             "--server.port", str(port), "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser():
    from tests.browser_cdp import Browser

    b = Browser(CHROMIUM)
    yield b
    b.close()


@pytest.fixture(scope="module")
def marts(warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    latest = con.execute("select max(period) from marts.indicator_values").fetchone()[0]

    def value(code: str, grain: str = "province", key: str = "140000", period: str = latest):
        row = con.execute(
            "select value from marts.indicator_values where indicator_code = ? and period = ? and grain = ? "
            "and grain_key = ?", [code, period, grain, key]).fetchone()
        return None if row is None else row[0]

    value.latest = latest
    value.con = con
    yield value
    con.close()


def show(browser, url: str, name: str, *, metrics: int, charts: int) -> str:
    browser.open(url)
    browser.wait_until(READY.format(metrics=metrics, charts=charts), timeout=90, settle=1.5)
    browser.screenshot(SCREENSHOTS / f"{name}.png")
    text = browser.text()
    assert "Traceback" not in text, text[-2000:]
    return text


def test_overview_shows_the_province_kpis(browser, app_url, marts):
    text = show(browser, f"{app_url}/", "overview", metrics=20, charts=4)
    assert "山西省 · 融资对接总览" in text
    assert fmt.amount_wan(marts("O04")) in text  # 放款金额 card
    assert fmt.count(marts("D01"), "笔") in text  # 融资需求笔数 card
    assert f"本年累计：{fmt.amount_wan(marts('O04_YTD'))}" in text
    assert "对接漏斗" in text and "地市对比" in text


def test_city_page_shows_the_citys_kpis_and_detail(browser, app_url, marts):
    text = show(browser, f"{app_url}/city?city=140100", "city", metrics=8, charts=3)
    assert "太原市 · 城市指标" in text
    assert fmt.amount_wan(marts("O04", "city", "140100")) in text
    assert fmt.count(marts("D01", "city", "140100"), "笔") in text
    for section in ("区县", "在本市开展业务的机构", "产品结构", "超时未响应需求", "合规预警", "下载月报（XLSX）"):
        assert section in text, section
    r04 = marts("R04", "city", "140100")
    assert f"末，{fmt.count(r04, '笔')}）" in text  # the overdue list's heading counts R04


def test_institution_page_ranks_and_shows_one_institution(browser, app_url, marts):
    text = show(browser, f"{app_url}/institution", "institution", metrics=10, charts=2)
    assert "机构排名" in text and "上架产品及合规情况" in text
    top = marts.con.execute(
        "select d.institution_name from marts.indicator_values v join marts.dim_institution d "
        "on d.institution_id = v.grain_key where v.indicator_code = 'O04' and v.grain = 'institution' "
        "and v.period = ? order by v.value desc limit 1", [marts.latest]).fetchone()[0]
    assert top in text


def test_products_page_shows_the_shelf(browser, app_url, marts):
    text = show(browser, f"{app_url}/products", "products", metrics=3, charts=2)
    assert "产品货架" in text
    assert fmt.count(marts("S02"), "款") in text and fmt.count(marts("S03"), "款") in text


def test_ingest_page_lists_deliveries(browser, app_url):
    text = show(browser, f"{app_url}/ingest", "ingest", metrics=5, charts=1)
    assert "数据接入" in text and "隔离记录" in text


def test_matching_page_shows_the_evaluation_and_an_enterprise_list(browser, app_url, marts):
    uscc = marts.con.execute("select uscc from marts.match_recommendations where product_id is not null "
                             "order by uscc limit 1").fetchall()[0][0]
    text = show(browser, f"{app_url}/matching?uscc={uscc}", "matching", metrics=10, charts=2)
    assert "匹配推荐" in text and "效果评估（留出月份）" in text and "产品潜在客户" in text
    ndcg = marts.con.execute("select value from marts.match_evaluation where method = 'model' "
                             "and metric = 'ndcg_at_10'").fetchall()[0][0]
    assert f"{ndcg:.3f}" in text
    county = marts.con.execute("select county_name from marts.dim_enterprise where uscc = ?", [uscc]).fetchall()[0][0]
    assert "所在区县" in text and county in text
