"""Signing in to the Streamlit app in AppTest as a user would: through the sign-in form, as a user of the
test's own user store (LOANCODE_USERS_DB, set by `use_stores`)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from loancode import config, users

APP = str(Path(__file__).resolve().parent.parent / "dashboards" / "app.py")
_PASSWORDS: dict[tuple[str, str], str] = {}


def use_stores(monkeypatch, folder: Path) -> None:
    """Users, audit log and workflow store of the test's own, in ``folder``."""
    monkeypatch.setenv("LOANCODE_USERS_DB", str(folder / "users.sqlite"))
    monkeypatch.setenv("LOANCODE_AUDIT_LOG", str(folder / "audit_log.sqlite"))
    monkeypatch.setenv("LOANCODE_WORKFLOW_DB", str(folder / "workflow.sqlite"))
    monkeypatch.delenv("LOANCODE_VIEWER_SCOPE", raising=False)


def account(role: str = "province", city: str | None = None) -> tuple[str, str]:
    """(username, password) of a user with this role (and city) in the current user store."""
    username = f"t_{role}" + (f"_{city}" if city else "")
    key = (str(config.users_db_path()), username)
    if key not in _PASSWORDS or users.get(username) is None:
        if users.get(username) is None:
            _PASSWORDS[key] = users.add(username, role, city, display_name=f"测试{users.ROLES[role]}")
        else:
            _PASSWORDS[key] = users.reset_password(username)
    return username, _PASSWORDS[key]


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="sign_in_username").input(username)
    at.text_input(key="sign_in_password").input(password)
    at.button(key="sign_in_submit").click().run()
    return at


def app(role: str = "province", city: str | None = None, page: str | None = None, query: dict | None = None,
        timeout: float = 60) -> AppTest:
    """The app signed in as ``role`` (and ``city``), on ``page`` with ``query`` in the URL."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    if query:
        at.query_params.update(query)
    at.run()
    sign_in(at, *account(role, city))
    if page:
        at.switch_page(page).run()
    return at
