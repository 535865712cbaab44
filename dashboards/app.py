"""三晋贷款码 数据分析平台 — the Streamlit entry point: page config, viewer scope, navigation.

Run: ``streamlit run dashboards/app.py`` (the warehouse path comes from LOANCODE_WAREHOUSE).
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import streamlit as st

st.set_page_config(layout="wide", page_title="三晋贷款码 数据分析平台", page_icon=":material/analytics:")

from dashboards import queries as q
from dashboards import ui

viewer = ui.viewer()

# Every page has its own URL. Streamlit serves the default page at "/" whatever its url_path, so a link
# to /overview would find no page: the default is a hidden page that sends "/" on to /overview.
overview = st.Page(
    "app_pages/overview.py",
    title="全省总览" if viewer.is_province else f"{viewer.label}总览",
    icon=":material/monitoring:",
    url_path="overview",
)
home = st.Page(lambda: st.switch_page(overview, query_params=st.query_params.to_dict()), title="首页",
               url_path="home", default=True, visibility="hidden")
city = st.Page("app_pages/city.py", title="城市", icon=":material/location_city:", url_path="city")
# A city office does not see the 机构 page in its menu; its URL still opens, with the scope's message.
institution = st.Page("app_pages/institution.py", title="机构", icon=":material/account_balance:",
                      url_path="institution", visibility="visible" if viewer.is_province else "hidden")
ingest = st.Page("app_pages/ingest.py", title="数据接入", icon=":material/input:", url_path="ingest")
quality = st.Page("app_pages/quality.py", title="数据质量", icon=":material/rule:", url_path="quality")
products = st.Page("app_pages/products.py", title="产品", icon=":material/inventory_2:", url_path="products")
report_center = st.Page("app_pages/reports.py", title="报表中心", icon=":material/description:", url_path="reports")

pages = {"指标": [home, overview, city, institution, products], "报表": [report_center], "运维": [ingest, quality]}
page = st.navigation(pages)

with st.sidebar:
    st.markdown("**三晋贷款码 数据分析平台**")
    ui.scope_caption(viewer)

try:
    page.run()
except q.WarehouseMissing:
    st.info(q.MISSING_MESSAGE, icon=":material/construction:")
except q.WarehouseUnavailable as exc:
    st.warning(str(exc))
except q.ScopeError as exc:
    st.error(str(exc))
