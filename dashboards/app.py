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

st.set_page_config(layout="wide", page_title="三晋贷款码 数据分析平台", page_icon="📊")

from dashboards import queries as q
from dashboards import ui

viewer = ui.viewer()

overview = st.Page(
    "app_pages/overview.py",
    title="全省总览" if viewer.is_province else f"{viewer.label}总览",
    icon="📈",
    url_path="overview",
    default=True,
)
city = st.Page("app_pages/city.py", title="城市", icon="🏙️", url_path="city")
institution = st.Page("app_pages/institution.py", title="机构", icon="🏦", url_path="institution")
ingest = st.Page("app_pages/ingest.py", title="数据接入", icon="📥", url_path="ingest")
quality = st.Page("app_pages/quality.py", title="数据质量", icon="🩺", url_path="quality")
products = st.Page("app_pages/products.py", title="产品", icon="🗂️", url_path="products")

pages = {"指标": [overview, city] + ([institution] if viewer.is_province else []) + [products], "运维": [ingest, quality]}
# 撮合 (docs/matching.md): its own group, so that the page is one line here
pages["撮合"] = [st.Page("app_pages/matching.py", title="匹配推荐", icon="🤝", url_path="matching")]
page = st.navigation(pages)

with st.sidebar:
    st.markdown("**三晋贷款码 数据分析平台**")
    ui.scope_caption(viewer)

try:
    page.run()
except q.WarehouseMissing:
    st.info(q.MISSING_MESSAGE, icon="🏗️")
except q.WarehouseUnavailable as exc:
    st.warning(str(exc))
except q.ScopeError as exc:
    st.error(str(exc))
