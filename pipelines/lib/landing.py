"""The landing zone: which deliveries are there, what they are, and how they are encoded.

`<landing>/<feed>/<feed>_YYYYMMDD.<ext>` (feeds.md, common rules). Everything here streams the file
in fixed-size chunks, so memory stays flat however large a delivery is.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from loancode import feeds

CHUNK = 1 << 20
UTF8_BOM = codecs.BOM_UTF8


@dataclass(frozen=True)
class Delivery:
    feed: str
    path: Path
    business_date: date | None  # None when the file name does not follow the agreement

    @property
    def file_name(self) -> str:
        return self.path.name


def discover(landing: Path, feed: str) -> list[Delivery]:
    """Every file in the feed's folder, oldest business date first; misnamed files too (to refuse them)."""
    folder = landing / feed
    if not folder.is_dir():
        return []
    registered = feeds.feed(feed)
    found = [Delivery(feed, path, registered.business_date(path.name))
             for path in folder.iterdir() if path.is_file() and not path.name.startswith(".")]
    return sorted(found, key=lambda d: (d.business_date or date.max, d.file_name))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _decodes(path: Path, encoding: str, skip: int = 0) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with open(path, "rb") as f:
        f.seek(skip)
        try:
            while chunk := f.read(CHUNK):
                if b"\x00" in chunk:  # text exports never hold NUL bytes: this is binary
                    return False
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def detect_encoding(path: Path, allowed: tuple[str, ...]) -> str | None:
    """The first of utf-8-sig, utf-8, gb18030 (in that order, among `allowed`) that decodes the file."""
    with open(path, "rb") as f:
        head = f.read(len(UTF8_BOM))
    if head == UTF8_BOM:
        return "utf-8-sig" if "utf-8-sig" in allowed and _decodes(path, "utf-8", len(UTF8_BOM)) else None
    for encoding in ("utf-8", "gb18030"):
        if encoding in allowed and _decodes(path, encoding):
            return encoding
    return None


def transcode_to_utf8(path: Path, encoding: str, target: Path) -> Path:
    """Re-encode a delivery as plain UTF-8 (no BOM) so DuckDB reads it directly."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with open(path, "rb") as src, open(target, "w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(CHUNK):
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", final=True))
    return target
