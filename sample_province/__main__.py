"""`python -m sample_province --out data/landing --seed 42 --applications 20000 ...`"""

from __future__ import annotations

import argparse
import ctypes
import sys
import time
from pathlib import Path

from loancode.config import landing_dir
from sample_province.build import Params, generate


def parse(argv: list[str] | None = None) -> Params:
    parser = argparse.ArgumentParser(prog="python -m sample_province",
                                     description="Write a sample province landing zone (feeds.md).")
    parser.add_argument("--out", type=Path, default=landing_dir(), help="landing zone folder")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--applications", type=int, default=20_000, help="number of financing demands")
    parser.add_argument("--start", default="2024-02", help="first month, YYYY-MM")
    parser.add_argument("--end", default="2026-10", help="last month, YYYY-MM")
    parser.add_argument("--bad-rows", type=int, default=40, help="contract-breaking rows to plant")
    parser.add_argument("--clean", action="store_true", help="plant no problems at all")
    parser.add_argument("--encodings", choices=["mixed", "utf8"], default="mixed",
                        help="CSV encodings: a realistic mix, or UTF-8 only")
    args = parser.parse_args(argv)
    if args.applications < 1 or args.bad_rows < 0:
        parser.error("--applications must be positive and --bad-rows not negative")
    return Params(out=args.out, seed=args.seed, applications=args.applications, start=args.start, end=args.end,
                  bad_rows=args.bad_rows, clean=args.clean, encodings=args.encodings)


def _return_freed_memory() -> None:
    """Let glibc hand large freed arrays back to the system. By default it raises its mmap threshold
    after the first large free and keeps later arrays in the heap, where the province's freed working
    arrays would stay resident: with this, a 10M-event province is generated within 4 GB."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to tune
        return
    libc.mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD: 1 MB and fixed
    libc.mallopt(-1, 1 << 20)  # M_TRIM_THRESHOLD


def main(argv: list[str] | None = None) -> int:
    params = parse(argv)
    _return_freed_memory()
    began = time.perf_counter()
    manifest = generate(params)
    planted = len(manifest["planted"])
    print(f"wrote {params.out} in {time.perf_counter() - began:.1f}s: {manifest['rows']}, {planted} planted rows",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
