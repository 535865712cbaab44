"""Write the landing zone: one file per feed per business date, and report where planted rows landed."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np
import polars as pl
import xlsxwriter
from tqdm import tqdm

from loancode import feeds
from sample_province.delivery import Delivered
from sample_province.register import INSTITUTION_HEADERS, PRODUCT_HEADERS
from sample_province.workdays import to_date

ENCODINGS = ["utf-8", "utf-8-sig", "gb18030"]
MIXED_WEIGHTS = [0.8, 0.1, 0.1]


def file_name(feed: str, day: int) -> str:
    return feeds.feed(feed).file_name(to_date(day))


def choose_encodings(rng: np.random.Generator, days: np.ndarray, mode: str) -> list[str]:
    if mode == "utf8":
        return ["utf-8"] * len(days)
    return list(np.array(ENCODINGS)[rng.choice(3, size=len(days), p=MIXED_WEIGHTS)])


def _ordered(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows in file order (by time within a file) with their 1-based data row number."""
    frame = frame.sort("_file_day", "_t", maintain_order=True)
    return frame.with_columns((pl.int_range(pl.len()).over("_file_day") + 1).alias("_row"))


def _planted_entries(feed: str, frame: pl.DataFrame) -> list[dict]:
    rows = frame.filter(pl.col("_rule").is_not_null())
    return [{"feed": feed, "file_name": file_name(feed, r["_file_day"]), "row_number": r["_row"],
             "record_key": r["_key"], "rule": r["_rule"], "kind": r["_kind"],
             **({"application_id": r["_group"]} if r["_group"] else {})}
            for r in rows.iter_rows(named=True)]


def _encode(text: str, encoding: str) -> bytes:
    if encoding == "gb18030":  # re-saved by Excel on a Chinese Windows desktop: GBK family, CRLF
        return text.replace("\n", "\r\n").encode("gb18030")
    return text.encode(encoding)


def _batches(rows: Delivered, batches: list[tuple[int, int]], show: bool, desc: str):
    """(ordered rows, days) per batch of days (a month): the text of one batch of files at a time."""
    days = sum(last - first + 1 for first, last in batches)
    with tqdm(total=days, desc=desc, unit="file", file=sys.stderr, disable=not show, leave=False) as bar:
        for first, last in batches:
            yield _ordered(rows.rows(first, last)), range(first, last + 1)
            bar.update(last - first + 1)


def write_csv_feed(out: Path, feed: str, rows: Delivered, columns: list[str], batches: list[tuple[int, int]],
                   encodings: list[str], show: bool) -> tuple[list[dict], dict]:
    """One CSV per day of `batches` (consecutive (first, last) days; `encodings`: one per day), written a
    batch at a time."""
    folder = out / feed
    folder.mkdir(parents=True, exist_ok=True)
    planted, used = [], {}
    first_day = batches[0][0]
    for frame, days in _batches(rows, batches, show, feed):
        parts = frame.partition_by("_file_day", as_dict=True, maintain_order=True)
        empty = frame.head(0).select(columns)
        for day in days:
            # Blank cells are written bare (``,,``), as spreadsheets and exporters write them, not as `""`.
            part = parts.get((day,), empty).select(pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in columns)
            name = file_name(feed, day)
            (folder / name).write_bytes(_encode(part.write_csv(), encodings[day - first_day]))
            used[name] = encodings[day - first_day]
        planted += _planted_entries(feed, frame)
    return planted, used


def write_jsonl_feed(out: Path, feed: str, rows: Delivered, batches: list[tuple[int, int]], show: bool) -> list[dict]:
    folder = out / feed
    folder.mkdir(parents=True, exist_ok=True)
    planted = []
    for frame, days in _batches(rows, batches, show, feed):
        parts = frame.partition_by("_file_day", as_dict=True, maintain_order=True)
        for day in days:
            part = parts.get((day,))
            if part is None:
                # JSON Lines has no header: an empty day would be a 0-byte file, which feeds.md rejects
                # as a bad file. The bureau's API sends nothing on such a day, so neither do we.
                continue
            text = "".join(line + "\n" for line in part["line"].to_list())
            (folder / file_name(feed, day)).write_bytes(text.encode("utf-8"))
        planted += _planted_entries(feed, frame)
    return planted


def _write_sheet(book, sheet, headers: list[str], rows: list[list], date_format) -> None:
    sheet.write_row(0, 0, headers)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue  # a blank cell, as an operator leaves it
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))


def write_register(path: Path, day: int, institutions: list[list], products: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    # A fixed document time makes the workbook bytes (zip entry times included) reproducible.
    book.set_properties({"title": "三晋贷款码 机构与产品登记", "author": "三晋贷款码平台运营方",
                         "created": dt.datetime.combine(to_date(day), dt.time(8, 0))})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    _write_sheet(book, book.add_worksheet("机构"), INSTITUTION_HEADERS, institutions, date_format)
    _write_sheet(book, book.add_worksheet("产品"), PRODUCT_HEADERS, products, date_format)
    book.close()


def write_manifest(out: Path, manifest: dict) -> None:
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False)
    (out / "_manifest.json").write_text(text + "\n", encoding="utf-8")
