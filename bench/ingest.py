"""Ingest speed and memory: rows/s per feed through the loaders, against two DuckDB scans of the same
files in the same run (a plain one that sniffs each file, and the floor: one scan with the header given and
nothing else done), and peak memory as one file grows (at the loaders' LOANCODE_DUCKDB_MEMORY ceiling).

- scale "small": the demo province (20,000 applications, ~72k application events).
- scale "full": 250,000 applications (~1M application events), the issue's figure.
Each measurement runs in a child process so that its peak RSS is its own; the process's one-time costs
(imports, parsing the contracts) are paid before the clock starts, as a Dagster run pays them once.
"""

from __future__ import annotations

import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCALES = {"small": 20_000, "full": 250_000}
FLOOR_TARGET = 0.7
ROOT = Path(__file__).resolve().parent.parent


def _child(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _load_feed_in_child(landing: Path, feed: str) -> dict:
    return _child(f"""
import json, resource, tempfile, time, duckdb
from pathlib import Path
import pandas  # imported by DuckDB on first use: a one-time cost of the process, not of the load
from pipelines.lib import loader
from loancode.contracts import load_all
load_all()  # the contracts are parsed once per process, like the imports
con = duckdb.connect(tempfile.mktemp(suffix='.duckdb'))
started = time.perf_counter()
results = loader.load_feed(con, Path({str(landing)!r}), {feed!r}, Path(tempfile.mkdtemp()))
seconds = time.perf_counter() - started
print(json.dumps({{"seconds": seconds, "rows": sum(r.rows_in for r in results), "files": len(results),
                   "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
""")


def _scan_in_child(read_csv: str, database: str = ":memory:") -> dict:
    """DuckDB alone storing `read_csv(...)` into a table of `database` (in memory unless a file is named: then
    rows in any order, written out by a checkpoint): no hashing, encodings, rules or other tables."""
    return _child(f"""
import json, resource, time, duckdb
con = duckdb.connect({database!r})
con.execute("SET preserve_insertion_order = false")
started = time.perf_counter()
con.execute({f"CREATE TABLE t AS SELECT * FROM {read_csv}"!r}).execute("CHECKPOINT")
seconds = time.perf_counter() - started
rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
print(json.dumps({{"seconds": seconds, "rows": rows,
                   "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
""")


def _plain_scan_in_child(folder: Path) -> dict:
    """The baseline: a plain read_csv of the files, sniffing each one's types."""
    return _scan_in_child(f"read_csv({str(folder / '*.csv')!r}, all_varchar=true, union_by_name=true)")


def _floor_scan_in_child(folder: Path, database: str = ":memory:") -> dict:
    """The floor: one scan with the header given (no sniffing, every column text), into memory or stored in
    a DuckDB file as a loader must. No loader can beat it."""
    files = sorted(str(p) for p in folder.glob("*.csv"))
    with open(files[0], encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f))
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header))) + "}"
    return _scan_in_child(f"read_csv({files!r}, columns={columns}, header=true, auto_detect=false, delim=',', "
                          "quote='\"', escape='\"')", database)


def _one_big_file(landing: Path, target: Path, copies: int) -> Path:
    """All application files concatenated (header once), `copies` times: one large delivery."""
    files = sorted((landing / "applications").glob("applications_*.csv"))
    utf8 = [f for f in files if f.read_bytes()[:3] != b"\xef\xbb\xbf"]
    (target / "applications").mkdir(parents=True, exist_ok=True)
    out = target / "applications" / "applications_20250101.csv"
    with open(out, "wb") as dst:
        dst.write(utf8[0].read_bytes().split(b"\n", 1)[0] + b"\n")
        for _ in range(copies):
            for f in utf8:
                try:
                    body = f.read_bytes().decode("utf-8").split("\n", 1)[1]
                except (UnicodeDecodeError, IndexError):
                    continue
                dst.write(body.replace("\r\n", "\n").encode("utf-8"))
    return target


def run(scale: str) -> dict:
    applications = SCALES.get(scale, SCALES["full"])
    with tempfile.TemporaryDirectory() as tmp:
        landing = Path(tmp) / "landing"
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sample_province", "--out", str(landing), "--applications",
                        str(applications), "--clean", "--encodings", "utf8"], cwd=ROOT, check=True, capture_output=True)
        figures: dict = {"applications": applications, "generate_seconds": round(time.perf_counter() - started, 1),
                         "feeds": {}}
        for feed in ("applications", "authorizations", "credit_reports", "register"):
            m = _load_feed_in_child(landing, feed)
            figures["feeds"][feed] = {"rows": m["rows"], "files": m["files"], "seconds": round(m["seconds"], 2),
                                      "rows_per_second": round(m["rows"] / m["seconds"]),
                                      "peak_rss_mb": round(m["peak_rss_mb"])}
        base = _plain_scan_in_child(landing / "applications")
        ours = figures["feeds"]["applications"]
        figures["baseline_plain_duckdb_scan"] = {"rows_per_second": round(base["rows"] / base["seconds"]),
                                                 "peak_rss_mb": round(base["peak_rss_mb"])}
        figures["applications_vs_plain_scan_ratio"] = round(base["rows"] / base["seconds"] / ours["rows_per_second"], 2)
        floor = _floor_scan_in_child(landing / "applications")
        figures["floor_duckdb_scan_no_rules"] = {"rows_per_second": round(floor["rows"] / floor["seconds"]),
                                                 "peak_rss_mb": round(floor["peak_rss_mb"])}
        stored = _floor_scan_in_child(landing / "applications", str(Path(tmp) / "floor.duckdb"))
        figures["floor_duckdb_scan_stored_in_file"] = {"rows_per_second": round(stored["rows"] / stored["seconds"]),
                                                       "peak_rss_mb": round(stored["peak_rss_mb"])}
        figures["applications_share_of_floor"] = round(ours["rows_per_second"] / figures["floor_duckdb_scan_no_rules"]
                                                       ["rows_per_second"], 2)
        figures["applications_share_of_stored_floor"] = round(
            ours["rows_per_second"] / figures["floor_duckdb_scan_stored_in_file"]["rows_per_second"], 2)
        # issue 16, item 5: the loader's applications rows/s against DuckDB storing the same files, same run
        figures["target_share_of_stored_floor"] = FLOOR_TARGET
        figures["met"] = figures["applications_share_of_stored_floor"] >= FLOOR_TARGET
        memory = {}
        for copies in (1, 4):
            big = _one_big_file(landing, Path(tmp) / f"big{copies}", copies)
            m = _load_feed_in_child(big, "applications")
            memory[f"x{copies}"] = {"rows": m["rows"], "peak_rss_mb": round(m["peak_rss_mb"]),
                                    "rows_per_second": round(m["rows"] / m["seconds"])}
        memory["peak_ratio_4x_rows"] = round(memory["x4"]["peak_rss_mb"] / memory["x1"]["peak_rss_mb"], 2)
        figures["one_growing_file"] = memory
    figures["own_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return figures
