"""The Streamlit app under AppTest as a user opens it: signed in as a province or city user (of the
test's own user store, `app_session.use_stores`), on a page, with a link's query string."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests import app_session


def run_app(scope: str | None = None, page: str | None = None, query: dict | None = None) -> AppTest:
    """The app signed in (a city office when ``scope`` names a city), switched to ``page``, asserting it
    raised nothing and showed no error."""
    at = app_session.app("city" if scope else "province", scope, page, query)
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at
