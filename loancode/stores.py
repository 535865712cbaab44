"""Opening the small SQLite stores that live beside the warehouse and survive its rebuilds (workflow,
users, audit log): the folder is made if needed, rows read as mappings, the schema created if absent."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_store(path: Path, schema: str) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(str(path), timeout=30)
    con.row_factory = sqlite3.Row
    con.executescript(schema)
    return con
