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
BENCHMARKS = ["ingest", "indicators", "pages", "builds", "matching", "portability"]


def main(argv: list[str] | None = None) -> int:
    names = (argv if argv is not None else sys.argv[1:]) or BENCHMARKS
    scale = os.environ.get("BENCH_SCALE", "full")
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {"started": datetime.now().isoformat(timespec="seconds"), "scale": scale,
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version()}, "results": {},
              "wall_seconds": {}}
    workdir()  # created once, shared by every benchmark of this run
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        started = time.monotonic()
        print(f"[bench] {name} …", flush=True)
        figures = module.run(scale)
        # a module measuring several things at once (bench.builds) gives one key per thing it PROVIDES
        for key, value in (figures.items() if hasattr(module, "PROVIDES") else [(name, figures)]):
            report["results"][key] = value
            print(json.dumps({key: value}, ensure_ascii=False, indent=2), flush=True)
        report["wall_seconds"][name] = round(time.monotonic() - started, 2)
    out = RESULTS / f"bench_{datetime.now():%Y%m%d_%H%M%S}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    (RESULTS / "latest.json").write_text(out.read_text(encoding="utf-8"), encoding="utf-8")
    print(f"[bench] figures written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
