"""CLI: the city monthly report as a file, for offices that schedule it.

    python -m dashboards.reports --city 140100 --month 2025-09 --format xlsx --out 太原_2025-09.xlsx
    python -m dashboards.reports report --city 140100 --month 2025-09 --format pdf

The viewer's scope is LOANCODE_VIEWER_SCOPE (or --scope): a city office's scope refuses other cities.
(The served app never reads that variable: there the scope is the signed-in user's.) The warehouse is
LOANCODE_WAREHOUSE. Each report is written to the audit log as a download by ``cli:<user>``.
Exit 0 on success, 2 on a refused or impossible request.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m dashboards.reports", description="城市月报 / city monthly report")
    p.add_argument("--city", required=True, help="6 位地市代码，如 140100")
    p.add_argument("--month", required=True, help="统计月份 YYYY-MM")
    p.add_argument("--format", choices=["xlsx", "pdf"], default="xlsx")
    p.add_argument("--out", help="输出文件（默认 城市月报_<代码>_<市>_<月份>.<格式>，写在当前目录）")
    p.add_argument("--scope", help="查看范围（默认取 LOANCODE_VIEWER_SCOPE，未设置为 province）")
    return p


def main(argv: list[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] == ["report"]:  # subcommand form: `... report --city ...`
        args_in = args_in[1:]
    args = _parser().parse_args(args_in)
    # the query layer caches with st.cache_data: outside a Streamlit run that logs a harmless warning
    import streamlit.logger

    streamlit.logger.set_log_level("error")

    import getpass
    from dataclasses import replace

    from dashboards import actions
    from dashboards import queries as q
    from dashboards.reports import report_filename
    from dashboards.scope import InvalidScope, Viewer, viewer_from_env

    try:
        viewer = Viewer.parse(args.scope) if args.scope else viewer_from_env()
        viewer = replace(viewer, username=f"cli:{getpass.getuser()}")
        content = actions.city_report(viewer, args.city, args.month, args.format)
    except (q.ScopeError, InvalidScope, ValueError, q.WarehouseMissing, q.WarehouseUnavailable) as exc:
        print(f"无法生成月报：{exc}", file=sys.stderr)
        return 2
    out = Path(args.out or report_filename(args.city, args.month, args.format))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(content)
    print(f"已生成 {out}（{len(content):,} 字节）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
