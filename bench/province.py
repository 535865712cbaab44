"""The generated provinces the whole-platform benchmarks share (end to end, daily increment, readers, pandas):
one landing zone per scale per `make bench` run, in the run's scratch folder (`bench.workdir`).

Scales are named by their application events: `demo` (20,000 demands, ~72k events), `1m` (250,000, ~0.9M),
`10m` (2,750,000, ~10M), each written by the generator (`python -m sample_province`, which writes a month
of files at a time: the 10M province within 4 GB, docs/performance.md). `BENCH_SCALES=demo,1m,10m` chooses
them; without it `BENCH_SCALE=small` means `demo` and `full` means `1m`.

A benchmark province has no contract breaches (`--bad-rows 0`): every row is still judged by every rule, the
platform just quarantines nothing, so that an analyst's pandas code that applies no rules must agree with
it. Its compliance problems (unlawful credit queries, products listed against the rules), mixed encodings,
duplicates and late files are kept. Its last business day carries all four feeds: the month's register
snapshot is delivered again that day (`register_<last day>.xlsx`), as an operator re-sending the
register with the day's files would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.workdir import workdir

ROOT = Path(__file__).resolve().parent.parent
APPLICATIONS = {"demo": 20_000, "1m": 250_000, "10m": 2_750_000}
FEEDS = ("applications", "authorizations", "credit_reports", "register")


def scales(bench_scale: str) -> list[str]:
    chosen = os.environ.get("BENCH_SCALES")
    if chosen:
        names = [s.strip() for s in chosen.split(",") if s.strip()]
        unknown = [s for s in names if s not in APPLICATIONS]
        if unknown:
            raise SystemExit(f"BENCH_SCALES: unknown {unknown}; choose among {list(APPLICATIONS)}")
        return names
    return ["demo"] if bench_scale == "small" else ["1m"]


def last_day(landing: Path) -> str:
    """The latest business date (YYYYMMDD) of the applications feed."""
    return max(p.stem.rsplit("_", 1)[1] for p in (landing / "applications").glob("applications_*.csv"))


def landing(scale: str) -> tuple[Path, float | None]:
    """The scale's landing zone (generated once per run): (folder, seconds to generate or None if cached)."""
    folder = workdir() / f"landing_{scale}"
    if (folder / "_manifest.json").exists():
        return folder, None
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sample_province", "--out", str(folder), "--applications",
                    str(APPLICATIONS[scale]), "--bad-rows", "0"], cwd=ROOT, check=True, capture_output=True)
    day = last_day(folder)
    snapshots = sorted((folder / "register").glob("register_*.xlsx"))
    target = folder / "register" / f"register_{day}.xlsx"
    if not target.exists():
        shutil.copyfile(snapshots[-1], target)
    return folder, round(time.perf_counter() - started, 1)


def split_last_day(full: Path, target: Path) -> list[tuple[Path, Path]]:
    """`target` = the landing zone `full` without its last business day (hard links, no copy); returns the
    (source, destination) pairs of the held-back day's files, to be linked in later."""
    day = last_day(full)
    shutil.rmtree(target, ignore_errors=True)
    held_back = []
    for feed in FEEDS:
        (target / feed).mkdir(parents=True)
        for path in (full / feed).iterdir():
            destination = target / feed / path.name
            if f"_{day}." in path.name:
                held_back.append((path, destination))
            else:
                os.link(path, destination)
    return held_back
