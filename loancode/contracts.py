"""Reads the ODCS v3 data contracts in `data_contracts/`.

The contracts are the single source of truth for each feed table: the loaders build their row rules
from them (`pipelines.lib.row_rules`), the Great Expectations suites are built from them, and a test
proves the dbt sources agree with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from loancode.config import CONTRACTS_DIR


@dataclass(frozen=True)
class Column:
    name: str
    logical_type: str
    physical_type: str
    required: bool
    check: str
    rule: str | None = None
    required_on: tuple[str, ...] = ()
    required_when: tuple[tuple[str, str], ...] = ()  # (other column, value) pairs that make this one required
    valid_values: tuple[str, ...] = ()
    pattern: str | None = None
    max_length: int | None = None
    pii: str | None = None
    source_name: str | None = None
    json_path: str | None = None
    separator: str | None = None
    description: str = ""

    @property
    def header(self) -> str:
        """The column's name in the delivered file (Chinese for the register)."""
        return self.source_name or self.name


@dataclass(frozen=True)
class Contract:
    name: str
    file_format: str
    file_pattern: str
    record_key: str
    columns: tuple[Column, ...]
    encodings: tuple[str, ...] = ()
    sheet: str | None = None
    physical_name: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def feed(self) -> str:
        """The landing-zone feed the table arrives in (both register sheets arrive in `register`)."""
        return self.file_pattern.split("_YYYYMMDD")[0]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def required_headers(self) -> list[str]:
        """Columns whose absence rejects the whole file (feeds.md Clarification 7)."""
        if self.file_format == "xlsx":
            return [c.header for c in self.columns]
        return [c.header for c in self.columns if c.required]


def _custom(entries: list[dict] | None) -> dict:
    return {e["property"]: e["value"] for e in entries or []}


def _column(prop: dict) -> Column:
    custom = _custom(prop.get("customProperties"))
    options = prop.get("logicalTypeOptions") or {}
    valid: tuple[str, ...] = ()
    for q in prop.get("quality") or []:
        if q.get("rule") == "validValues":
            valid = tuple(str(v) for v in q["validValues"])
    return Column(
        name=prop["name"],
        logical_type=prop.get("logicalType", "string"),
        physical_type=prop.get("physicalType", "VARCHAR"),
        required=bool(prop.get("required", False)),
        check=custom.get("check", "text"),
        rule=custom.get("rule"),
        required_on=tuple(custom.get("requiredOn") or ()),
        required_when=tuple((custom.get("requiredWhen") or {}).items()),
        valid_values=valid,
        pattern=options.get("pattern"),
        max_length=options.get("maxLength"),
        pii=custom.get("pii") if prop.get("classification") == "restricted" else None,
        source_name=custom.get("sourceName"),
        json_path=custom.get("jsonPath"),
        separator=custom.get("separator"),
        description=prop.get("description", ""),
    )


def parse(path: Path) -> Contract:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    custom = _custom(doc.get("customProperties"))
    (table,) = doc["schema"]
    return Contract(
        name=doc["name"],
        file_format=custom["fileFormat"],
        file_pattern=custom["filePattern"],
        record_key=custom["recordKey"],
        encodings=tuple(custom.get("encodings") or ()),
        sheet=custom.get("sheet"),
        physical_name=table.get("physicalName", ""),
        columns=tuple(_column(p) for p in table["properties"]),
        extra=custom,
    )


@cache
def load_all() -> dict[str, Contract]:
    """Every contract, by table name (applications, register_institutions, ...)."""
    contracts = [parse(p) for p in sorted(CONTRACTS_DIR.glob("*.odcs.yaml"))]
    return {c.name: c for c in contracts}


def for_feed(feed: str) -> list[Contract]:
    """The contracts of the tables one feed delivers (the register delivers two sheets)."""
    return [c for c in load_all().values() if c.feed == feed]
