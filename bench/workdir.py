"""One scratch folder per `make bench` run, so that benchmarks share what is expensive to build (the
~10M-event warehouse of `bench.scale` is built once, then measured by the indicator and page benchmarks).

`BENCH_WORKDIR` names it (bench.run sets it for the run and removes it afterwards); a benchmark run on
its own gets a temporary folder removed when the process ends.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path


def workdir() -> Path:
    if not os.environ.get("BENCH_WORKDIR"):
        path = tempfile.mkdtemp(prefix="loancode_bench_")
        atexit.register(shutil.rmtree, path, ignore_errors=True)
        os.environ["BENCH_WORKDIR"] = path
    return Path(os.environ["BENCH_WORKDIR"])
