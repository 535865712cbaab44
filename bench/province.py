"""The generated provinces the whole-platform benchmarks share (end to end, daily increment, readers, pandas):
one landing zone per scale per `make bench` run, in the run's scratch folder (`bench.workdir`).

Scales are named by their application events: `demo` (20,000 demands, ~72k events), `1m` (250,000, ~0.9M),
`10m` (2,750,000, ~10M). `BENCH_SCALES=demo,1m,10m` chooses them; without it `BENCH_SCALE=small` means
`demo` and `full` means `1m`. `10m` is the `1m` province's landing zone with every day's applications,
credit reports and authorizations delivered eleven times over, each copy with its own ids (`multiplied`),
until the generator can write 10M events within this machine's memory (issue 16, item 1).

A benchmark province has no contract breaches (`--bad-rows 0`): every row is still judged by every rule, the
platform just quarantines nothing, so that an analyst's pandas code that applies no rules must agree with
it. Its compliance problems (unlawful credit queries, products listed against the rules), mixed encodings,
duplicates and late files are kept. Its last business day carries all four feeds: the month's register
snapshot is delivered again that day (`register_<last day>.xlsx`), as an operator re-sending the
register with the day's files would.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
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


MULTIPLIED = {"10m": ("1m", 11)}


def landing(scale: str) -> tuple[Path, float | None]:
    """The scale's landing zone (generated once per run): (folder, seconds to generate or None if cached)."""
    folder = workdir() / f"landing_{scale}"
    if (folder / "_manifest.json").exists():
        return folder, None
    started = time.perf_counter()
    if scale in MULTIPLIED:
        base, factor = MULTIPLIED[scale]
        multiplied(landing(base)[0], folder, factor)
        return folder, round(time.perf_counter() - started, 1)
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


def _encoding(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _multiplied_csv(source: Path, target: Path, factor: int, id_columns: int) -> None:
    """Each data row `factor` times, the first `id_columns` fields of copy j prefixed `K<j>-` (copy 0 as it was),
    in the file's own encoding and line endings."""
    data = source.read_bytes()
    encoding = _encoding(data)
    text = data.decode(encoding)
    newline = "\r\n" if "\r\n" in text else "\n"
    rows = list(csv.reader(io.StringIO(text, newline="")))
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(rows[0])
    for j in range(factor):
        prefix = f"K{j}-" if j else ""
        for row in rows[1:]:
            writer.writerow([prefix + v if i < id_columns and v else v for i, v in enumerate(row)])
    target.write_bytes(out.getvalue().encode(encoding))


_IDS = re.compile(r'"(report_id|authorization_id)":\s*"')


def multiplied(base: Path, target: Path, factor: int) -> Path:
    """`base`'s landing zone with applications (event_id, application_id), authorizations (authorization_id)
    and credit reports (report_id, authorization_id) delivered `factor` times per day, copy j's ids prefixed
    `K<j>-`: every count and sum of events ×factor, the enterprises and the register as they were."""
    shutil.rmtree(target, ignore_errors=True)
    for feed in FEEDS:
        (target / feed).mkdir(parents=True)
    for path in (base / "applications").iterdir():
        _multiplied_csv(path, target / "applications" / path.name, factor, 2)
    for path in (base / "authorizations").iterdir():
        _multiplied_csv(path, target / "authorizations" / path.name, factor, 1)
    for path in (base / "credit_reports").iterdir():
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        copies = [lines] + [[_IDS.sub(lambda m, j=j: f'"{m.group(1)}":"K{j}-', line) for line in lines]
                            for j in range(1, factor)]
        (target / "credit_reports" / path.name).write_text("".join(sum(copies, [])), encoding="utf-8")
    for path in (base / "register").iterdir():
        shutil.copyfile(path, target / "register" / path.name)
    (target / "_manifest.json").write_text(f'{{"multiplied_from": "{base}", "factor": {factor}}}\n', encoding="utf-8")
    return target
