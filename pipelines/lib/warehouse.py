"""Build a new warehouse file beside the published one, then publish it by an atomic rename.

DuckDB has one writer at a time, and a writer locks readers of other processes out. So a build never
writes the published file: it copies the published file to `<warehouse>.building` (the raw layer is the
platform's memory of every delivery, so a re-delivered partition can be replaced and a refused file can
leave its partition as it was), works there, and `os.replace`s it over the published file. A build
killed half-way leaves the published warehouse exactly as it was; its leftover is discarded next time.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import duckdb

from loancode.config import CONTRACTS_DIR

# Bump when the raw layer's layout changes in a way a copied warehouse cannot follow.
RAW_LAYOUT_VERSION = "1"


def raw_layout_signature() -> str:
    """The contracts and the loader's layout version: a copied raw layer is reused only if they match."""
    digest = hashlib.sha256(RAW_LAYOUT_VERSION.encode())
    for path in sorted(CONTRACTS_DIR.glob("*.odcs.yaml")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _discard(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


def _built_from(path: Path) -> tuple[str, str] | None:
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            row = con.execute("SELECT signature, landing FROM raw.build_meta").fetchone()
            return (row[0], row[1]) if row else None
    except duckdb.Error:
        return None


def start_build(published: Path, work: Path, landing: Path, fresh: bool = False) -> Path:
    """Prepare the working file: a copy of the published warehouse, so that its raw layer carries on;
    a new one when there is none, when `fresh`, when the published raw layer was written under other
    contracts, or from another landing zone (another landing zone is another history, not a re-delivery)."""
    work.parent.mkdir(parents=True, exist_ok=True)
    _discard(work)
    origin = (raw_layout_signature(), str(landing.resolve()))
    if not fresh and published.exists() and _built_from(published) == origin:
        shutil.copyfile(published, work)
    with duckdb.connect(str(work)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS raw")
        con.execute("CREATE OR REPLACE TABLE raw.build_meta AS SELECT ? AS signature, ? AS landing", list(origin))
    return work


def ensure_working_copy(published: Path, work: Path, landing: Path) -> Path:
    """For a Dagster run started from the UI: reuse the working file if a run already prepared it."""
    if not work.exists():
        start_build(published, work, landing)
    return work


def publish(work: Path, published: Path) -> None:
    """Atomically replace the published warehouse with the finished working file."""
    with duckdb.connect(str(work)) as con:
        con.execute("CHECKPOINT")
    work.with_name(work.name + ".wal").unlink(missing_ok=True)
    os.replace(work, published)

