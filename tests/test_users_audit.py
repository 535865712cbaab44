"""The user store (argon2 hashes, lock-out, roles), its CLI, and the append-only audit log."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from loancode import audit_log, users

ROOT = Path(__file__).resolve().parent.parent


def test_passwords_are_hashed_with_argon2_and_checked(tmp_path):
    db = tmp_path / "users.sqlite"
    password = users.add("zhang", "city", "140100", display_name="张科长", path=db)
    assert len(password) >= 12
    stored = sqlite3.connect(db).execute("SELECT password_hash FROM users").fetchone()[0]
    assert stored.startswith("$argon2id$") and password not in stored
    ok = users.authenticate("zhang", password, path=db)
    assert ok.ok and (ok.user.role, ok.user.city_code, ok.user.display_name) == ("city", "140100", "张科长")
    wrong, unknown = users.authenticate("zhang", "nope", path=db), users.authenticate("nobody", "nope", path=db)
    assert wrong.outcome == unknown.outcome == "wrong" and wrong.message == unknown.message  # tells nothing


def test_five_failures_lock_the_account_for_fifteen_minutes(tmp_path):
    db = tmp_path / "users.sqlite"
    password = users.add("li", "analyst", path=db)
    t0 = dt.datetime(2025, 6, 1, 9, 0)
    outcomes = [users.authenticate("li", "bad", now=t0 + dt.timedelta(seconds=i), path=db).outcome for i in range(5)]
    assert outcomes == ["wrong"] * 4 + ["locked"]
    locked = users.authenticate("li", password, now=t0 + dt.timedelta(minutes=14), path=db)
    assert locked.outcome == "locked" and "锁定" in locked.message  # even the right password
    assert users.authenticate("li", password, now=t0 + dt.timedelta(minutes=16), path=db).ok
    # a success clears the count: four more failures do not lock
    for i in range(4):
        users.authenticate("li", "bad", now=t0 + dt.timedelta(minutes=17, seconds=i), path=db)
    assert users.authenticate("li", password, now=t0 + dt.timedelta(minutes=18), path=db).ok


def test_disable_reset_and_roles(tmp_path):
    db = tmp_path / "users.sqlite"
    users.add("wang", "steward", path=db)
    users.set_disabled("wang", True, path=db)
    new = users.reset_password("wang", path=db)
    assert users.authenticate("wang", new, path=db).outcome == "disabled"
    users.set_disabled("wang", False, path=db)
    assert users.authenticate("wang", new, path=db).ok
    assert users.set_role("wang", "city", "140200", path=db).city_code == "140200"
    with pytest.raises(users.UserError, match="地市"):
        users.set_role("wang", "city", "999999", path=db)
    with pytest.raises(users.UserError, match="只有地市用户"):
        users.set_role("wang", "province", "140100", path=db)
    with pytest.raises(users.UserError, match="已存在"):
        users.add("wang", "analyst", path=db)
    with pytest.raises(users.UserError, match="不存在"):
        users.reset_password("ghost", path=db)


def test_the_audit_log_is_append_only(tmp_path):
    log = tmp_path / "audit.sqlite"
    first = audit_log.record("zhang", "city", "sign_in", "success", city_code="140100", path=log)
    audit_log.record("zhang", "city", "download", "success", target="城市月报_140100.xlsx", path=log)
    con = sqlite3.connect(log)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE events SET username = 'someone' WHERE event_id = ?", [first])
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM events")
    con.close()
    events = audit_log.events(path=log)
    assert [(e["username"], e["action"]) for e in events] == [("zhang", "download"), ("zhang", "sign_in")]


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """`python -m dashboards.users ...` run in this process (its main), on the test's own stores."""
    from dashboards import users as users_cli

    monkeypatch.setenv("LOANCODE_USERS_DB", str(tmp_path / "users.sqlite"))
    monkeypatch.setenv("LOANCODE_AUDIT_LOG", str(tmp_path / "audit.sqlite"))

    def run(*args: str):
        code = users_cli.main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_the_users_cli(cli, tmp_path):
    db, log = tmp_path / "users.sqlite", tmp_path / "audit.sqlite"
    code, out, _ = cli("add", "zhao", "--role", "city", "--city", "140100", "--name", "赵主任")
    assert code == 0
    password = out.strip().splitlines()[-1].split("：")[-1]
    assert users.authenticate("zhao", password, path=db).ok
    assert cli("disable", "zhao")[0] == 0
    _, listed, _ = cli("list")
    assert "zhao" in listed and "已停用" in listed and "太原市" in listed
    assert cli("enable", "zhao")[0] == 0
    assert cli("set-role", "zhao", "--role", "analyst")[0] == 0
    _, out, _ = cli("reset", "zhao")
    new = out.strip().splitlines()[-1].split("：")[-1]
    assert users.authenticate("zhao", new, path=db).user.role == "analyst"
    code, _, err = cli("add", "x1", "--role", "city", "--city", "123")
    assert code == 2 and "地市" in err
    assert {e["target"] for e in audit_log.events(action="user_admin", path=log)} == {"zhao"}
    code, demo, _ = cli("demo")
    assert code == 0
    for username in ("demo_province", "demo_taiyuan", "demo_datong", "demo_steward", "demo_analyst"):
        assert username in demo
    assert {u.role for u in users.list_users(path=db) if u.username.startswith("demo_")} == set(users.ROLES)
    assert users.get("demo_taiyuan", path=db).city_code == "140100"
