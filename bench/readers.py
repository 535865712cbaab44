"""Readers during a rebuild: the dashboards' page queries issued one after another, without pause, against the
published warehouse while a full build runs and publishes a new one (bench/builds.py starts it).

Each page (bench.pages: the query-layer calls of 全省总览, 城市, 机构, 产品, a city office, the city report's
data) runs in turn with Streamlit's cache cleared, so every query reaches DuckDB. A page that raises is a
failure. Runs until `<stop file>` exists, then writes its figures to `<out.json>`.

    python -m bench.readers <warehouse> <stop file> <out.json>
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import time
import traceback
from pathlib import Path


def main(argv: list[str]) -> int:
    warehouse, stop, out = Path(argv[0]), Path(argv[1]), Path(argv[2])
    os.environ["LOANCODE_WAREHOUSE"] = str(warehouse)
    import streamlit as st

    from bench.pages import _pages, _percentiles

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    pages = list(_pages().items())
    latencies: list[float] = []
    failures: list[str] = []
    versions = set()
    attempted = 0
    while not stop.exists():
        name, page = pages[attempted % len(pages)]
        attempted += 1
        st.cache_data.clear()
        started = time.perf_counter()
        try:
            page()
        except Exception as exc:  # a reader's failure is the figure: count it, keep reading
            failures.append(f"{name}: {type(exc).__name__}: {exc}"[:500])
            if len(failures) == 1:
                traceback.print_exc()
        else:
            latencies.append((time.perf_counter() - started) * 1000)
        with contextlib.suppress(FileNotFoundError):
            versions.add(warehouse.stat().st_ino)  # a publish replaces the file: a new inode
    figures = {"attempted": attempted, "failed": len(failures), "failures": failures[:10],
               "published_versions_seen": len(versions),
               "latency": _percentiles(latencies) if latencies else None}
    out.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
