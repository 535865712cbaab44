"""`make bench`: speed and memory figures, written to bench/results/, never asserted in tests.

Each benchmark module exposes `run(scale: str) -> dict` and measures itself against a baseline computed in
the same run (the ratio is what to read, not the seconds). `BENCH_SCALE=small|full` chooses the sizes.
The benchmarks share one scratch folder (`bench.workdir`), removed at the end.

    python -m bench.run [name ...]
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import time
from datetime import datetime
from pathlib import Path

from bench.workdir import workdir

RESULTS = Path(__file__).resolve().parent / "results"
BENCHMARKS = ["ingest", "indicators", "pages", "matching"]


def main(argv: list[str] | None = None) -> int:
    names = (argv if argv is not None else sys.argv[1:]) or BENCHMARKS
    scale = os.environ.get("BENCH_SCALE", "full")
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {"started": datetime.now().isoformat(timespec="seconds"), "scale": scale,
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version()}, "results": {}}
    workdir()  # created once, shared by every benchmark of this run
    for name in names:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError:
            print(f"[bench] {name}: not written yet, skipped")
            continue
        started = time.monotonic()
        print(f"[bench] {name} …", flush=True)
        report["results"][name] = module.run(scale)
        report["results"][name]["wall_seconds"] = round(time.monotonic() - started, 2)
        print(json.dumps(report["results"][name], ensure_ascii=False, indent=2), flush=True)
    out = RESULTS / f"bench_{datetime.now():%Y%m%d_%H%M%S}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    (RESULTS / "latest.json").write_text(out.read_text(encoding="utf-8"), encoding="utf-8")
    print(f"[bench] figures written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
