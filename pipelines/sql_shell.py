"""`make sql`: a read-only SQL shell on the published warehouse (it never blocks a running build).

Statements end with `;`. `.tables` lists the tables, `.quit` leaves.
"""

from __future__ import annotations

import sys

import duckdb

from loancode import config


def main() -> int:
    path = config.warehouse_path()
    if not path.exists():
        print(f"仓库尚未构建：{path}（请先运行 make build）/ warehouse not built yet", file=sys.stderr)
        return 1
    con = duckdb.connect(str(path), read_only=True)
    print(f"只读连接 / read-only: {path}\n以 ; 结束语句，.tables 列出表，.quit 退出")
    buffer: list[str] = []
    while True:
        try:
            line = input("loancode> " if not buffer else "     ...> ")
        except EOFError:
            break
        stripped = line.strip()
        if not buffer and stripped in (".quit", ".exit"):
            break
        if not buffer and stripped == ".tables":
            stripped = ("SELECT table_schema || '.' || table_name AS \"table\" FROM information_schema.tables "
                        "ORDER BY 1;")
        buffer.append(stripped)
        if stripped.endswith(";"):
            try:
                result = con.sql(" ".join(buffer))
                if result is not None:
                    result.show(max_rows=50)
            except duckdb.Error as exc:
                print(f"错误 / error: {exc}")
            buffer.clear()
    return 0


if __name__ == "__main__":
    sys.exit(main())
