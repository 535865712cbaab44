"""The running app in a real browser: headless Chromium signs in, opens each page, waits until the KPI
cards and Plotly charts are drawn, and the visible text carries the marts' numbers; every page by its own
URL for the province and a city office, with no error dialog and no missing glyph; a wrong password, the
lock-out, sign-out, and a city office's navigation and refusals as a person sees them. Screenshots are
kept in artifacts/screenshots/ (gitignored) for a person to look at."""

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

from dashboards import access
from dashboards import format as fmt
from loancode import audit_log, users
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
def reports_dir(warehouse, tmp_path_factory) -> Path:
    """The report store with the latest month's files, for 报表中心."""
    folder = tmp_path_factory.mktemp("reports")
    latest = duckdb.connect(str(warehouse), read_only=True).execute(
        "select max(period) from marts.indicator_values").fetchone()[0]
    subprocess.run([sys.executable, "-m", "dashboards.reports", "publish", "--month", latest, "--out-dir", str(folder)],
                   cwd=ROOT, env={**os.environ, "LOANCODE_WAREHOUSE": str(warehouse)}, check=True,
                   capture_output=True, timeout=300)
    return folder


ACCOUNTS = {  # username: (role, city)
    "b_province": ("province", None),
    "b_taiyuan": ("city", "140100"),
    "b_locked": ("analyst", None),
}


@pytest.fixture(scope="module")
def passwords(tmp_path_factory):
    stores = tmp_path_factory.mktemp("stores")
    paths = {"LOANCODE_USERS_DB": str(stores / "users.sqlite"), "LOANCODE_AUDIT_LOG": str(stores / "audit.sqlite"),
             "LOANCODE_WORKFLOW_DB": str(stores / "workflow.sqlite")}
    made = {name: users.add(name, role, city, path=paths["LOANCODE_USERS_DB"]) for name, (role, city) in ACCOUNTS.items()}
    made["_env"] = paths
    return made


@pytest.fixture(scope="module")
def app_url(warehouse, passwords, reports_dir, tmp_path_factory):
    port = _free_port()
    env = {**os.environ, "LOANCODE_WAREHOUSE": str(warehouse), "LOANCODE_VIEWER_SCOPE": "140200",
           "LOANCODE_REPORTS_DIR": str(reports_dir), **passwords["_env"]}
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
def browser(passwords):
    from tests.browser_cdp import Browser

    b = Browser(CHROMIUM)
    b.passwords = passwords
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


SIGN_IN_FORM = "!!document.querySelector('input[type=password]')"


def sign_in(browser, url: str, username: str, password: str) -> None:
    """Open ``url`` (a new session: the sign-in form) and sign in through the form."""
    browser.open(url)
    browser.wait_until(SIGN_IN_FORM, timeout=60, settle=0.5)
    browser.type_into("input[aria-label='用户名']", username)
    browser.type_into("input[type=password]", password)
    browser.click_button("登录")


def show(browser, url: str, name: str, *, metrics: int, charts: int, account=None) -> str:
    sign_in(browser, url, *(account or ("b_province", browser.passwords["b_province"])))
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


def test_promotion_page_shows_the_loan_codes(browser, app_url, marts):
    text = show(browser, f"{app_url}/promotion", "promotion", metrics=8, charts=3)
    assert "贷款码推广" in text and "发码主体类型 × 地市" in text and "贷款码排名" in text
    assert fmt.count(marts("P01"), "笔") in text and fmt.count(marts("P07"), "个") in text
    assert "主要来自" in text  # what moved the cards


def test_ingest_page_lists_deliveries(browser, app_url):
    text = show(browser, f"{app_url}/ingest", "ingest", metrics=5, charts=1)
    assert "数据接入" in text and "隔离记录" in text


def test_nothing_before_sign_in_then_wrong_password_and_lock_out(browser, app_url):
    browser.open(f"{app_url}/")
    browser.wait_until(SIGN_IN_FORM, timeout=60, settle=1.0)
    text = browser.text()
    assert "登录" in text and "融资对接总览" not in text
    assert browser.evaluate("document.querySelectorAll('[data-testid=stSidebarNav] a').length") == 0
    log = browser.passwords["_env"]["LOANCODE_AUDIT_LOG"]

    def attempts() -> int:  # the server records each submission in the audit log
        return sum(1 for e in audit_log.events(action="sign_in", username="b_locked", path=log))

    for attempt, password in enumerate([f"wrong-{i}" for i in range(5)] + [browser.passwords["b_locked"]], 1):
        browser.type_into("input[aria-label='用户名']", "b_locked")
        browser.type_into("input[type=password]", password)
        browser.click_button("登录")
        deadline = time.monotonic() + 30
        while attempts() < attempt and time.monotonic() < deadline:
            time.sleep(0.2)
        expected = {5: "已锁定", 6: "已锁定至"}.get(attempt, "用户名或密码错误")  # 6: the right one, locked
        browser.wait_until(f"document.body.innerText.includes({expected!r})", timeout=30, settle=0.5)
    browser.screenshot(SCREENSHOTS / "sign_in_locked.png")
    assert "融资对接总览" not in browser.text()


def test_a_city_office_sees_its_pages_only_and_is_refused_other_cities(browser, app_url):
    taiyuan = ("b_taiyuan", browser.passwords["b_taiyuan"])
    # a shared link naming another city: signed in, then refused
    sign_in(browser, f"{app_url}/city?city=140200", *taiyuan)
    browser.wait_until("document.body.innerText.includes('无权查看大同市')", timeout=60, settle=1.0)
    nav = browser.evaluate("[...document.querySelectorAll('[data-testid=stSidebarNav] a')].map(a => a.innerText.trim().split('\\n').pop())")
    # the home page is titled by the city; every other entry is a page of the city role in access.PAGES
    assert nav == ["太原市总览"] + [p.title for p in access.pages_for("city") if p.key != "overview"]
    assert "机构" not in nav and "数据质量" not in nav
    assert browser.evaluate("document.querySelectorAll('[data-testid=stMetricValue]').length") == 0
    browser.screenshot(SCREENSHOTS / "city_refused_other_city.png")
    # a page outside the role, by URL
    sign_in(browser, f"{app_url}/institution", *taiyuan)
    browser.wait_until("document.body.innerText.includes('无权访问“机构”页面')", timeout=60, settle=0.5)
    # its own city, whatever LOANCODE_VIEWER_SCOPE says (the server runs with 140200)
    text = show(browser, f"{app_url}/city", "city_office", metrics=8, charts=3, account=taiyuan)
    assert "太原市 · 城市指标" in text and "大同市" not in text


def test_sign_out(browser, app_url):
    show(browser, f"{app_url}/", "before_sign_out", metrics=20, charts=4)
    browser.click_button("退出登录")
    browser.wait_until(SIGN_IN_FORM + " && document.body.innerText.includes('已退出登录')", timeout=60, settle=0.5)
    assert "融资对接总览" not in browser.text()


# --- every page by its own URL, for the province and a city office ------------------------------------------

SETTLED = (
    "document.querySelector('[data-testid=stMain] h1') && !document.querySelector('[data-testid=stSkeleton]') "
    "&& !document.querySelector('[data-testid=stStatusWidget]')"
)
ERRORS = (
    "[...document.querySelectorAll('[role=dialog], [data-testid=stException], [data-testid=stAlertContentError]')]"
    ".map(e => e.innerText)"
)
# Missing glyphs: every distinct character on the page (HTML and the charts' SVG text) is drawn on a
# canvas in the font its element computes, and compared pixel for pixel with an unassigned code point
# (U+0378) drawn in the same font. A character no installed font covers is drawn as that same .notdef
# box ("tofu"); one that a font covers is not. Whitespace and invisible characters are left out.
TOFU = r"""(() => {
  const canvas = document.createElement('canvas'); canvas.width = 48; canvas.height = 48;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const draw = (ch, font) => { ctx.clearRect(0, 0, 48, 48); ctx.font = font; ctx.fillStyle = '#000';
    ctx.textBaseline = 'middle'; ctx.fillText(ch, 4, 24); return ctx.getImageData(0, 0, 48, 48).data.join(','); };
  const seen = new Map();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement; if (!el) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const font = `${style.fontStyle} ${style.fontWeight} 32px ${style.fontFamily}`;
    for (const ch of node.textContent) {
      if (/[\s\u200b-\u200f\u2060\ufeff]/.test(ch)) continue;
      if (!seen.has(font)) seen.set(font, new Set());
      seen.get(font).add(ch);
    }
  }
  const missing = [];
  for (const [font, chars] of seen) {
    const tofu = draw('\u0378', font);
    for (const ch of chars) if (draw(ch, font) === tofu) missing.push(ch + ' U+' + ch.codePointAt(0).toString(16));
  }
  return [...new Set(missing)];
})()"""
PAGES = ["/", *(f"/{spec.key}" for spec in access.PAGES)]


def visit(browser, url: str, name: str, account) -> str:
    sign_in(browser, url, *account)
    browser.wait_until(SETTLED, timeout=120, settle=1.0)
    browser.screenshot(SCREENSHOTS / f"{name}.png")
    assert browser.evaluate(ERRORS) == [], (url, browser.evaluate(ERRORS))
    text = browser.text()
    assert "Page not found" not in text and "Traceback" not in text, text[-1500:]
    assert browser.evaluate(TOFU) == [], (url, browser.evaluate(TOFU))
    return text


def test_the_tofu_check_sees_a_missing_glyph(browser, app_url):
    sign_in(browser, f"{app_url}/overview", "b_province", browser.passwords["b_province"])
    browser.wait_until(SETTLED, timeout=120, settle=1.0)
    browser.evaluate("document.querySelector('[data-testid=stMain] h1').append('\\u{10FFFD}')")
    assert browser.evaluate(TOFU), "a private-use character no font covers must be found"


@pytest.mark.parametrize("path", PAGES)
def test_province_opens_every_page_by_url(browser, app_url, path):
    account = ("b_province", browser.passwords["b_province"])
    text = visit(browser, f"{app_url}{path}", f"province{path.replace('/', '_') or '_home'}", account)
    if path == "/":
        assert browser.evaluate("location.pathname") == "/overview"  # the home URL lands on 总览
    if path == "/reports":
        assert "工作通报" in text and "城市月报" in text


@pytest.mark.parametrize("path", PAGES)
def test_a_city_office_opens_every_page_by_url(browser, app_url, path):
    account = ("b_taiyuan", browser.passwords["b_taiyuan"])
    spec = access.page(path.strip("/"))
    if spec is not None and "city" not in spec.roles:
        # outside its role: the URL opens with a refusal in Chinese, not an error dialog
        sign_in(browser, f"{app_url}{path}", *account)
        browser.wait_until("!!document.querySelector('[data-testid=stAlertContentError]')", timeout=120, settle=1.0)
        browser.screenshot(SCREENSHOTS / f"city{path.replace('/', '_')}.png")
        assert f"无权访问“{spec.title}”页面" in browser.text()
        assert browser.evaluate("!document.querySelector('[role=dialog]')")
        assert browser.evaluate(TOFU) == []
        return
    text = visit(browser, f"{app_url}{path}", f"city{path.replace('/', '_') or '_home'}", account)
    assert "大同市" not in text
    if path == "/reports":
        assert "城市月报" in text and "工作通报" not in text
