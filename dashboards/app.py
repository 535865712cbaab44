"""三晋贷款码 数据分析平台 — the Streamlit entry point: sign-in, navigation by role, the page guard.

Run: ``streamlit run dashboards/app.py`` (the warehouse path comes from LOANCODE_WAREHOUSE).
Nothing is drawn before sign-in. The pages of the signed-in role are in the navigation; every other
page is registered hidden, so that its URL answers with a refusal in Chinese instead of a silent
redirect. A URL parameter naming a division outside a city office's scope is refused the same way.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import streamlit as st

st.set_page_config(layout="wide", page_title="三晋贷款码 数据分析平台", page_icon=":material/analytics:")

from dashboards import access, actions, auth
from dashboards import queries as q



def pages(viewer) -> dict[str, list]:
    """Every page of access.PAGES: the viewer's visible (by section), the others hidden (their URLs are
    refused below). Before sign-in (viewer None) all are hidden: the URL's page is kept for afterwards.

    Every page keeps its own URL: Streamlit serves the default page at "/" whatever its url_path (a link to
    /overview would find no page if overview were the default), so the default is a hidden page that sends
    "/" on to the role's first page, query parameters included."""
    allowed = access.pages_for(viewer.role) if viewer else []
    sections: dict[str, list] = {}
    registered = {}
    for spec in access.PAGES:
        visible = spec in allowed
        title = f"{viewer.label}总览" if viewer and spec.key == "overview" else spec.title
        registered[spec.key] = st.Page(spec.script, title=title, icon=spec.icon, url_path=spec.key,
                                       visibility="visible" if visible else "hidden")
        sections.setdefault(spec.section if visible else "", []).append(registered[spec.key])
    first = registered[(allowed[0] if allowed else access.PAGES[0]).key]
    home = st.Page(lambda: st.switch_page(first, query_params=st.query_params.to_dict()), title="首页",
                   url_path=HOME, default=True, visibility="hidden")
    sections.setdefault("", []).insert(0, home)
    return sections


HOME = "home"
# stops here with the sign-in form until someone is signed in
viewer = auth.sign_in(before_form=lambda: st.navigation(pages(None), position="hidden"))
allowed = access.pages_for(viewer.role)
page = st.navigation(pages(viewer))

with st.sidebar:
    st.markdown("**三晋贷款码 数据分析平台**")
    auth.sidebar(viewer)

page_key = page.url_path or HOME  # the default page has an empty URL path
spec = access.page(page_key)
params = {name: st.query_params.get_all(name) for name in st.query_params}
refusal = (access.page_refusal(viewer.role, spec) if spec else None) or access.division_refusal(viewer.scope, params)
if refusal:
    actions.refused(viewer, f"page:{page_key}", refusal)
    st.error(refusal, icon=":material/block:")
    st.stop()

try:
    page.run()
except q.WarehouseMissing:
    st.info(q.MISSING_MESSAGE, icon=":material/construction:")
except q.WarehouseUnavailable as exc:
    st.warning(str(exc))
except q.ScopeError as exc:
    actions.refused(viewer, f"page:{page_key}", str(exc))
    st.error(str(exc), icon=":material/block:")
