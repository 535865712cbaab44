"""The embedded user store: accounts, roles and cities, argon2 password hashes, lock-outs.

A small SQLite file (`loancode.config.users_db_path()`, default `users.sqlite` beside the workflow
store), never inside the warehouse. Passwords are hashed with argon2id (argon2-cffi's defaults); the
clear password is never stored or logged. Five wrong passwords in a row lock the account for 15
minutes; a correct password during the lock-out is refused too. A bureau that signs in through its own
identity provider (OIDC) needs no passwords here, but may still disable an account here.

Table `users(username, display_name, role, city_code, password_hash, disabled, failed_count,
locked_until, created_at, updated_at, last_sign_in)`.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from loancode import config
from loancode.stores import open_store
from loancode.divisions import CITY_NAMES

# The four user groups (docs/access.md): what each may see is decided in dashboards/access.py.
ROLES = {
    "province": "省局",
    "city": "地市金融办",
    "steward": "数据管理员",
    "analyst": "数据分析员",
}
MAX_FAILURES = 5
LOCK_MINUTES = 15
USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('province', 'city', 'steward', 'analyst')),
    city_code TEXT,
    password_hash TEXT,
    disabled INTEGER NOT NULL DEFAULT 0,
    failed_count INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_sign_in TEXT,
    CHECK ((role = 'city') = (city_code IS NOT NULL))
);
"""

_hasher = PasswordHasher()
# Verified when the username is unknown, so that a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class UserError(ValueError):
    """A request the store refuses. The message is for the user (Chinese)."""


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    city_code: str | None = None
    disabled: bool = False
    failed_count: int = 0
    locked_until: str | None = None
    last_sign_in: str | None = None

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    def locked(self, now: dt.datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > _iso(now)


@dataclass(frozen=True)
class SignIn:
    """The outcome of a password check: `success` (with the user), `wrong`, `locked` or `disabled`, and a
    Chinese `message`. A wrong name and a wrong password read the same, so neither tells which
    usernames exist; `disabled` is told only to whoever knows the password."""

    outcome: str
    message: str = ""
    user: User | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "success"


def _iso(moment: dt.datetime | None = None) -> str:
    return (moment or dt.datetime.now()).isoformat(timespec="seconds")


def connect(path: Path | str | None = None) -> sqlite3.Connection:
    return open_store(Path(path) if path is not None else config.users_db_path(), SCHEMA)


def _user(row: sqlite3.Row | None) -> User | None:
    if row is None:
        return None
    return User(username=row["username"], display_name=row["display_name"], role=row["role"],
                city_code=row["city_code"], disabled=bool(row["disabled"]), failed_count=row["failed_count"],
                locked_until=row["locked_until"], last_sign_in=row["last_sign_in"])


def validate_role(role: str, city_code: str | None) -> str | None:
    """The city code the role keeps (None unless `city`); UserError when they do not fit together."""
    if role not in ROLES:
        raise UserError(f"角色无效：{role!r}（应为 {'、'.join(ROLES)} 之一）")
    if role == "city":
        if city_code not in CITY_NAMES:
            raise UserError(f"地市用户须指定 11 个地市代码之一（如 140100），而不是 {city_code!r}")
        return city_code
    if city_code:
        raise UserError(f"只有地市用户（city）带地市代码；{ROLES[role]}看全省数据")
    return None


def generate_password() -> str:
    """A random password for a new account or a reset (about 96 bits)."""
    return secrets.token_urlsafe(12)


def get(username: str, path: Path | str | None = None) -> User | None:
    with closing(connect(path)) as con:
        return _user(con.execute("SELECT * FROM users WHERE username = ?", [username]).fetchone())


def list_users(path: Path | str | None = None) -> list[User]:
    with closing(connect(path)) as con:
        return [_user(r) for r in con.execute("SELECT * FROM users ORDER BY role, city_code, username")]


def add(username: str, role: str, city_code: str | None = None, *, display_name: str | None = None,
        password: str | None = None, path: Path | str | None = None) -> str:
    """Create an account; returns its password (generated unless given). UserError if it exists."""
    if not USERNAME.match(username or ""):
        raise UserError("用户名须为 2–64 位字母、数字或 _ . @ -")
    city_code = validate_role(role, city_code)
    password = password or generate_password()
    now = _iso()
    with closing(connect(path)) as con, con:
        try:
            con.execute(
                "INSERT INTO users (username, display_name, role, city_code, password_hash, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [username, display_name or username, role, city_code, _hasher.hash(password), now, now])
        except sqlite3.IntegrityError:
            raise UserError(f"用户 {username} 已存在") from None
    return password


def _update(username: str, path, sql: str, params: list) -> User:
    with closing(connect(path)) as con, con:
        done = con.execute(f"UPDATE users SET {sql}, updated_at = ? WHERE username = ?", [*params, _iso(), username])
        if done.rowcount == 0:
            raise UserError(f"用户 {username} 不存在")
        return _user(con.execute("SELECT * FROM users WHERE username = ?", [username]).fetchone())


def reset_password(username: str, password: str | None = None, path: Path | str | None = None) -> str:
    """Set a new password (generated unless given) and lift any lock-out; returns the password."""
    password = password or generate_password()
    _update(username, path, "password_hash = ?, failed_count = 0, locked_until = NULL", [_hasher.hash(password)])
    return password


def set_disabled(username: str, disabled: bool, path: Path | str | None = None) -> User:
    return _update(username, path, "disabled = ?, failed_count = 0, locked_until = NULL", [int(disabled)])


def set_role(username: str, role: str, city_code: str | None = None, path: Path | str | None = None) -> User:
    city_code = validate_role(role, city_code)
    return _update(username, path, "role = ?, city_code = ?", [role, city_code])


WRONG = "用户名或密码错误。"


def authenticate(username: str, password: str, *, now: dt.datetime | None = None,
                 path: Path | str | None = None) -> SignIn:
    """Check a password. Counts failures in a row, locks after MAX_FAILURES for LOCK_MINUTES."""
    moment = now or dt.datetime.now()
    with closing(connect(path)) as con, con:
        row = con.execute("SELECT * FROM users WHERE username = ?", [username or ""]).fetchone()
        if row is None or not row["password_hash"]:
            _verify(_DUMMY_HASH, password)
            return SignIn("wrong", WRONG)
        user, stored = _user(row), row["password_hash"]
        if user.locked(moment):
            return SignIn("locked", f"连续 {MAX_FAILURES} 次密码错误，账户已锁定至 {user.locked_until[11:16]}，"
                                    "届时再试，或请管理员重置密码。")
        if not _verify(stored, password):
            failures = (0 if user.locked_until else user.failed_count) + 1
            locked = _iso(moment + dt.timedelta(minutes=LOCK_MINUTES)) if failures >= MAX_FAILURES else None
            con.execute("UPDATE users SET failed_count = ?, locked_until = ? WHERE username = ?",
                        [failures, locked, username])
            if locked:
                return SignIn("locked", f"连续 {MAX_FAILURES} 次密码错误，账户已锁定 {LOCK_MINUTES} 分钟。")
            return SignIn("wrong", WRONG)
        if user.disabled:
            return SignIn("disabled", "该账户已停用，请联系管理员。")
        if _hasher.check_needs_rehash(stored):
            con.execute("UPDATE users SET password_hash = ? WHERE username = ?", [_hasher.hash(password), username])
        con.execute("UPDATE users SET failed_count = 0, locked_until = NULL, last_sign_in = ? WHERE username = ?",
                    [_iso(moment), username])
        return SignIn("success", user=_user(con.execute("SELECT * FROM users WHERE username = ?",
                                                        [username]).fetchone()))


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        return False
