"""CLI of the embedded user store: add, disable, enable, reset a password, list, set role and city.

    python -m dashboards.users add zhang --role city --city 140100 --name 张科长
    python -m dashboards.users reset zhang            # prints a new generated password
    python -m dashboards.users disable zhang | enable zhang
    python -m dashboards.users set-role zhang --role analyst
    python -m dashboards.users list
    python -m dashboards.users demo                   # one demo user per role (make demo)

Passwords are generated and printed once (``--password-stdin`` reads one instead); only their argon2
hashes are stored. Every change is written to the audit log as ``cli:<operating-system user>``.
Exit 0 on success, 2 on a refused request (the reason in Chinese on standard error).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from loancode import audit_log, config, users
from loancode.divisions import CITY_NAMES

DEMO = (  # username, role, city, display name
    ("demo_province", "province", None, "省局演示用户"),
    ("demo_taiyuan", "city", "140100", "太原市演示用户"),
    ("demo_datong", "city", "140200", "大同市演示用户"),
    ("demo_steward", "steward", None, "数据管理员演示用户"),
    ("demo_analyst", "analyst", None, "数据分析员演示用户"),
)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m dashboards.users", description="用户管理 / user store")
    sub = p.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="新增用户")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=list(users.ROLES))
    add.add_argument("--city", help="地市代码（city 角色必填），如 140100")
    add.add_argument("--name", help="显示名")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读入密码（默认随机生成）")
    for name, text in (("disable", "停用"), ("enable", "启用")):
        sub.add_parser(name, help=f"{text}用户").add_argument("username")
    reset = sub.add_parser("reset", help="重置密码（并解除锁定）")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true")
    role = sub.add_parser("set-role", help="设置角色与地市")
    role.add_argument("username")
    role.add_argument("--role", required=True, choices=list(users.ROLES))
    role.add_argument("--city")
    sub.add_parser("list", help="列出用户")
    sub.add_parser("demo", help="为每个角色创建演示用户（已存在则重置密码）")
    return p


def _status(user: users.User) -> str:
    if user.disabled:
        return "已停用"
    if user.locked():
        return f"锁定至 {user.locked_until}"
    return "启用"


def _print_list() -> None:
    rows = [("用户名", "显示名", "角色", "地市", "状态", "最近登录")]
    for u in users.list_users():
        rows.append((u.username, u.display_name, u.role_label, CITY_NAMES.get(u.city_code or "", "全省"),
                     _status(u), u.last_sign_in or "—"))
    for row in rows:
        print("  ".join(str(c) for c in row))


def _read_password(flag: bool) -> str | None:
    return sys.stdin.readline().rstrip("\n") or None if flag else None


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    who = f"cli:{getpass.getuser()}"

    def audit(target: str, detail: str) -> None:
        audit_log.record(who, "admin", "user_admin", "success", target=target, detail=detail)

    try:
        if args.command == "add":
            password = users.add(args.username, args.role, args.city, display_name=args.name,
                                 password=_read_password(args.password_stdin))
            audit(args.username, f"新增用户，角色 {args.role}" + (f"，地市 {args.city}" if args.city else ""))
            print(f"已新增用户 {args.username}（{users.ROLES[args.role]}）")
            if not args.password_stdin:
                print(f"初始密码（只显示这一次）：{password}")
        elif args.command in ("disable", "enable"):
            users.set_disabled(args.username, args.command == "disable")
            audit(args.username, "停用用户" if args.command == "disable" else "启用用户")
            print(f"已{'停用' if args.command == 'disable' else '启用'}用户 {args.username}")
        elif args.command == "reset":
            password = users.reset_password(args.username, _read_password(args.password_stdin))
            audit(args.username, "重置密码")
            print(f"已重置用户 {args.username} 的密码")
            if not args.password_stdin:
                print(f"新密码（只显示这一次）：{password}")
        elif args.command == "set-role":
            user = users.set_role(args.username, args.role, args.city)
            audit(args.username, f"设置角色 {user.role}" + (f"，地市 {user.city_code}" if user.city_code else ""))
            print(f"已设置用户 {args.username}：{user.role_label}" + (f"（{CITY_NAMES[user.city_code]}）"
                                                                  if user.city_code else ""))
        elif args.command == "list":
            _print_list()
        elif args.command == "demo":
            print(f"演示用户（用户库 {config.users_db_path()}；密码每次 make demo 重新生成）：")
            for username, role, city, name in DEMO:
                if users.get(username) is None:
                    password = users.add(username, role, city, display_name=name)
                else:
                    users.set_role(username, role, city)
                    users.set_disabled(username, False)
                    password = users.reset_password(username)
                audit(username, "演示用户（make demo）")
                print(f"  {users.ROLES[role]:<6}{CITY_NAMES.get(city or '', ''):<4}  用户名 {username:<14} 密码 {password}")
    except users.UserError as exc:
        print(f"无法完成：{exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
