"""The Streamlit app under AppTest as a user opens it: a viewer scope, a page, a link's query string."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "dashboards" / "app.py")


def run_app(scope: str | None = None, page: str | None = None, query: dict | None = None) -> AppTest:
    """The app run once (then switched to ``page``), asserting it raised nothing and showed no error."""
    at = AppTest.from_file(APP, default_timeout=60)
    if scope:
        at.session_state["viewer_scope"] = scope
    if query:
        at.query_params.update(query)
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at
