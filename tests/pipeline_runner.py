"""Run `make build`'s entry point in a child process, as the bureau does, on a given landing zone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_env(landing: Path, warehouse: Path) -> dict[str, str]:
    return {**os.environ, "LOANCODE_LANDING": str(landing), "LOANCODE_WAREHOUSE": str(warehouse),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def run_build(landing: Path, warehouse: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.build", *args], cwd=ROOT, capture_output=True,
                          text=True, env=build_env(landing, warehouse), timeout=900)


def start_build(landing: Path, warehouse: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pipelines.build"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=build_env(landing, warehouse))


def generate(out: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "sample_province", "--out", str(out), *args], cwd=ROOT, check=True,
                   capture_output=True, timeout=600)
