"""Sign-in to the served app: nothing is shown before it, and the viewer (role and scope) comes from the
signed-in user only.

Two ways, chosen by ``.streamlit/secrets.toml``:

- **Embedded** (no ``[auth]`` section): the user store ``loancode.users`` (argon2 hashes, lock-out after 5
  failures for 15 minutes). A session ends after ``LOANCODE_SESSION_IDLE_MINUTES`` without interaction,
  and at once when the account is disabled or removed; role and city changes apply at the next click.
- **OIDC** (an ``[auth]`` section, Streamlit's ``st.login``/``st.user``): the bureau's identity provider
  signs the user in; a claim names the role and one the city (``[loancode.oidc]``, docs/deploy.md). An
  account disabled in the local store is refused here too.

Every sign-in (success and failure), sign-out and expiry is written to the audit log.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import streamlit as st

from dashboards.scope import Viewer
from loancode import audit_log, config, users
from loancode.divisions import CITY_NAMES

USER_KEY = "_auth_username"
SEEN_KEY = "_auth_seen"
OIDC_KEY = "_auth_oidc"
VIEWER_KEY = "_auth_viewer"
FLASH_KEY = "_auth_flash"
TITLE = "三晋贷款码 数据分析平台"


# --- OIDC configuration and claims ------------------------------------------------------------------------

class OidcConfigError(ValueError):
    """``.streamlit/secrets.toml`` has an ``[auth]`` section that cannot work. Message in Chinese."""


class ClaimError(PermissionError):
    """The identity provider's claims give no valid role/city for this platform. Message in Chinese."""


@dataclass(frozen=True)
class OidcSettings:
    provider: str | None = None  # None: the provider settings are in [auth] itself (st.login())
    role_claim: str = "loancode_role"
    city_claim: str = "loancode_city"
    username_claim: str = "email"
    role_map: Mapping[str, str] = field(default_factory=dict)  # claim value → role or "city:<code>"


def oidc_settings(secrets: Mapping) -> OidcSettings | None:
    """The OIDC settings when ``secrets`` has an ``[auth]`` section (else None, the embedded store).

    Checks what ``st.login`` needs (``redirect_uri`` ending in ``/oauth2callback``, ``cookie_secret``,
    and ``client_id``/``client_secret``/``server_metadata_url`` in ``[auth]`` or ``[auth.<provider>]``)
    and reads ``[loancode.oidc]`` (provider, role_claim, city_claim, username_claim, role_map)."""
    auth = secrets.get("auth")
    if not auth:
        return None
    ours = dict((secrets.get("loancode") or {}).get("oidc") or {})
    provider = ours.get("provider") or None
    problems = []
    redirect = str(auth.get("redirect_uri", ""))
    if not redirect.startswith(("http://", "https://")) or not redirect.endswith("/oauth2callback"):
        problems.append("[auth] redirect_uri 须为以 /oauth2callback 结尾的完整地址")
    if len(str(auth.get("cookie_secret", ""))) < 32:
        problems.append("[auth] cookie_secret 须为至少 32 个字符的随机字符串")
    if provider is not None and "_" in provider:
        problems.append("[loancode.oidc] provider 不能含下划线（Streamlit 的限制）")
    section = auth.get(provider) if provider else auth
    if not isinstance(section, Mapping):
        problems.append(f"缺少身份提供方配置 [auth.{provider}]")
        section = {}
    for key in ("client_id", "client_secret", "server_metadata_url"):
        if not section.get(key):
            problems.append(f"[auth{'.' + provider if provider else ''}] 缺少 {key}")
    metadata = str(section.get("server_metadata_url", ""))
    if metadata and not metadata.startswith("https://"):
        problems.append("server_metadata_url 须为 https 地址")
    role_map = {str(k): str(v) for k, v in dict(ours.get("role_map") or {}).items()}
    for claim_value, target in role_map.items():
        role, _, city = target.partition(":")
        try:
            users.validate_role(role, city or None)
        except users.UserError as exc:
            problems.append(f"[loancode.oidc.role_map] {claim_value} = {target}：{exc}")
    if problems:
        raise OidcConfigError("统一身份认证配置有误：" + "；".join(problems))
    return OidcSettings(provider=provider, role_claim=str(ours.get("role_claim", "loancode_role")),
                        city_claim=str(ours.get("city_claim", "loancode_city")),
                        username_claim=str(ours.get("username_claim", "email")), role_map=role_map)


def map_claims(settings: OidcSettings, claims: Mapping) -> Viewer:
    """The viewer the identity provider's claims name; ClaimError when no single valid role results."""
    username = str(claims.get(settings.username_claim) or claims.get("sub") or "").strip()
    if not username:
        raise ClaimError(f"身份提供方未提供用户标识（{settings.username_claim} 或 sub），无法登录。")
    raw = claims.get(settings.role_claim)
    values = [str(v) for v in (raw if isinstance(raw, list | tuple) else [raw]) if v not in (None, "")]
    targets = {settings.role_map[v] for v in values if v in settings.role_map}
    targets |= {v for v in values if v in users.ROLES and v not in settings.role_map}
    if not targets:
        raise ClaimError("您的账户在身份提供方未分配本平台的角色（省局、地市、数据管理员、数据分析员），请联系管理员。")
    if len(targets) > 1:
        raise ClaimError(f"身份提供方为您分配了多个角色（{'、'.join(sorted(targets))}），请联系管理员只保留一个。")
    role, _, city = next(iter(targets)).partition(":")
    if role == "city" and not city:
        city = str(claims.get(settings.city_claim) or "")
    try:
        city_code = users.validate_role(role, city or None)
    except users.UserError as exc:
        raise ClaimError(f"身份提供方给出的角色或地市无效：{exc}") from None
    return Viewer(city_code or "province", role, username)


def _secrets() -> Mapping:
    try:
        return st.secrets.to_dict()
    except Exception:  # noqa: BLE001 - no secrets.toml: the embedded store
        return {}


# --- the session ------------------------------------------------------------------------------------------

def _audit(username: str, role: str, action: str, outcome: str, detail: str = "", city: str | None = None) -> None:
    audit_log.record(username, role, action, outcome, detail=detail, city_code=city)


def _end(viewer: Viewer, action: str, message: str | None = None) -> None:
    _audit(viewer.username, viewer.role, action, "success", city=viewer.city_code)
    for key in (USER_KEY, SEEN_KEY, VIEWER_KEY, OIDC_KEY):
        st.session_state.pop(key, None)
    if message:
        st.session_state[FLASH_KEY] = message


def _idle() -> bool:
    seen = st.session_state.get(SEEN_KEY)
    return seen is not None and time.time() - float(seen) > config.session_idle_minutes() * 60


def sign_in(before_form=None) -> Viewer:
    """The signed-in viewer; otherwise shows the sign-in and stops the run (nothing else is drawn).
    ``before_form`` is called before any sign-in element is drawn (the app keeps the URL's page there,
    so that a shared link opens on its page once signed in)."""
    try:
        settings = oidc_settings(_secrets())
    except OidcConfigError as exc:
        st.error(str(exc))
        st.stop()
    before_form = before_form or (lambda: None)
    viewer = _oidc_viewer(settings, before_form) if settings else _embedded_viewer(before_form)
    st.session_state[SEEN_KEY] = time.time()
    st.session_state[VIEWER_KEY] = viewer
    return viewer


def current() -> Viewer:
    """The viewer ``sign_in`` established in this run (pages call this through ``ui.viewer``)."""
    viewer = st.session_state.get(VIEWER_KEY)
    if not isinstance(viewer, Viewer):
        st.error("请先登录。")
        st.stop()
    return viewer


def _expired_message() -> str:
    return f"超过 {config.session_idle_minutes():g} 分钟未操作，已自动退出，请重新登录。"


def _embedded_viewer(before_form) -> Viewer:
    username = st.session_state.get(USER_KEY)
    if username:
        user = users.get(username)
        previous = st.session_state.get(VIEWER_KEY) or Viewer(username=username)
        if _idle():
            _end(previous, "session_expired", _expired_message())
        elif user is None or user.disabled:
            _end(previous, "sign_out", "该账户已停用，已退出登录。")
        else:
            return Viewer(user.city_code or "province", user.role, user.username)
    _password_form(before_form)
    st.stop()
    raise AssertionError("unreachable")


def _password_form(before_form) -> None:
    before_form()
    st.title(TITLE)
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        st.info(flash)
    with st.form("sign_in"):
        st.subheader("登录")
        username = st.text_input("用户名", key="sign_in_username")
        password = st.text_input("密码", type="password", key="sign_in_password")
        submitted = st.form_submit_button("登录", type="primary", key="sign_in_submit")
    if not submitted:
        return
    result = users.authenticate(username.strip(), password)
    if not result.ok:
        _audit(username.strip() or "-", "-", "sign_in", result.outcome)
        st.error(result.message)
        return
    user = result.user
    _audit(user.username, user.role, "sign_in", "success", city=user.city_code)
    st.session_state[USER_KEY] = user.username
    st.session_state[SEEN_KEY] = time.time()
    st.rerun()


def _oidc_viewer(settings: OidcSettings, before_form) -> Viewer:
    if not st.user.is_logged_in:
        before_form()
        st.title(TITLE)
        flash = st.session_state.pop(FLASH_KEY, None)
        if flash:
            st.info(flash)
        st.button("使用统一身份认证登录", type="primary", key="sign_in_oidc",
                  on_click=st.login, args=(settings.provider,) if settings.provider else ())
        st.stop()
    try:
        viewer = map_claims(settings, st.user.to_dict())
    except ClaimError as exc:
        _audit(str(st.user.get(settings.username_claim) or st.user.get("sub") or "-"), "-", "sign_in", "unmapped",
               detail=str(exc))
        st.title(TITLE)
        st.error(str(exc))
        st.button("退出登录", key="sign_out_unmapped", on_click=st.logout)
        st.stop()
    local = users.get(viewer.username)
    if local is not None and local.disabled:
        _audit(viewer.username, viewer.role, "sign_in", "disabled")
        st.title(TITLE)
        st.error("该账户已停用，请联系管理员。")
        st.button("退出登录", key="sign_out_disabled", on_click=st.logout)
        st.stop()
    if st.session_state.get(OIDC_KEY) and _idle():
        _end(viewer, "session_expired", _expired_message())
        st.logout()
        st.stop()
    if st.session_state.get(OIDC_KEY) != viewer.username:
        _audit(viewer.username, viewer.role, "sign_in", "success", detail="统一身份认证", city=viewer.city_code)
        st.session_state[OIDC_KEY] = viewer.username
    return viewer


def sidebar(viewer: Viewer) -> None:
    """Who is signed in, their role and scope, and the sign-out button."""
    area = CITY_NAMES.get(viewer.city_code or "", "全省")
    st.caption(f"{viewer.username} · {users.ROLES.get(viewer.role, viewer.role)} · 查看范围：{area}")
    if st.button("退出登录", key="sign_out"):
        oidc = bool(st.session_state.get(OIDC_KEY))
        _end(viewer, "sign_out", "已退出登录。")
        if oidc:
            st.logout()
        st.rerun()
