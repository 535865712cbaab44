"""CLI: the city monthly report, the monthly bulletin, and the report store.

    python -m dashboards.reports --city 140100 --month 2025-09 --format xlsx --out 太原_2025-09.xlsx
    python -m dashboards.reports report --city 140100 --month 2025-09 --format pdf
    python -m dashboards.reports bulletin --month 2025-09 --format docx
    python -m dashboards.reports publish --month 2025-08 --month 2025-09 [--out-dir DIR]

The viewer's scope is LOANCODE_VIEWER_SCOPE (or --scope): a city office's scope refuses other cities and
the bulletin. (The served app never reads that variable: there the scope is the signed-in user's.)
``publish`` writes every file of each month into the report store as the province (the Dagster asset
``monthly_reports`` runs it after each publish). The warehouse is LOANCODE_WAREHOUSE. Each report or
bulletin made here is written to the audit log as a download by ``cli:<user>``.
Exit 0 on success, 2 on a refused or impossible request.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

FORMATS = {"report": ["xlsx", "pdf"], "bulletin": ["pdf", "docx"]}


def _parser(command: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=f"python -m dashboards.reports {command}",
                                description={"report": "城市月报 / city monthly report", "bulletin": "月度通报 / bulletin",
                                             "publish": "生成某月全部报表 / every report of a month"}[command])
    if command == "report":
        p.add_argument("--city", required=True, help="6 位地市代码，如 140100")
    if command == "publish":
        p.add_argument("--month", required=True, action="append", help="统计月份 YYYY-MM（可重复）")
        p.add_argument("--out-dir", help="报表目录（默认 LOANCODE_REPORTS_DIR，或仓库旁的 reports/）")
        return p
    p.add_argument("--month", required=True, help="统计月份 YYYY-MM")
    p.add_argument("--format", choices=FORMATS[command], default=FORMATS[command][0])
    p.add_argument("--out", help="输出文件（默认按报表名称写在当前目录）")
    p.add_argument("--scope", help="查看范围（默认取 LOANCODE_VIEWER_SCOPE，未设置为 province）")
    return p


def main(argv: list[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    command = args_in[0] if args_in[:1] and args_in[0] in {"report", "bulletin", "publish"} else "report"
    if args_in[:1] == [command]:
        args_in = args_in[1:]
    args = _parser(command).parse_args(args_in)
    # the query layer caches with st.cache_data: outside a Streamlit run that logs a harmless warning
    import streamlit.logger

    streamlit.logger.set_log_level("error")

    import getpass
    from dataclasses import replace

    from dashboards import actions
    from dashboards import queries as q
    from dashboards import reports
    from dashboards.scope import InvalidScope, Viewer, viewer_from_env

    try:
        if command == "publish":
            for month in args.month:
                files = reports.publish_month(month, Path(args.out_dir) if args.out_dir else None)
                print(f"{month}：已生成 {len(files)} 个文件（{files[0].parent}）")
            return 0
        viewer = Viewer.parse(args.scope) if args.scope else viewer_from_env()
        viewer = replace(viewer, username=f"cli:{getpass.getuser()}")
        if command == "bulletin":
            content = actions.bulletin(viewer, args.month, args.format)
            name = reports.bulletin_filename(args.month, args.format)
        else:
            content = actions.city_report(viewer, args.city, args.month, args.format)
            name = reports.report_filename(args.city, args.month, args.format)
    except (q.ScopeError, InvalidScope, ValueError, q.WarehouseMissing, q.WarehouseUnavailable) as exc:
        print(f"无法生成{'通报' if command == 'bulletin' else '报表'}：{exc}", file=sys.stderr)
        return 2
    out = Path(args.out or name)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(content)
    print(f"已生成 {out}（{len(content):,} 字节）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
