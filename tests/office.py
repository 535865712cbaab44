"""LibreOffice (headless) and poppler's command-line tools, as a person would use them to check a file:
convert an office file to PDF, read a PDF's pages, text and fonts.

LibreOffice starts slowly (a few seconds): convert each file once per test session. A private profile
folder per conversion keeps it from colliding with a LibreOffice the user has open.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
POPPLER = shutil.which("pdftotext") and shutil.which("pdffonts") and shutil.which("pdfinfo")
MISSING = "LibreOffice / poppler-utils 未安装（make setup 会安装）/ not installed"


def to_pdf(document: Path, out_dir: Path) -> Path:
    """``document`` converted to PDF by LibreOffice, in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        done = subprocess.run(
            [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
             "--convert-to", "pdf", "--outdir", str(out_dir), str(document)],
            capture_output=True, text=True, timeout=300)
    pdf = out_dir / (document.stem + ".pdf")
    assert done.returncode == 0 and pdf.is_file(), done.stdout + done.stderr
    return pdf


def pages(pdf: Path) -> list[tuple[float, float]]:
    """(width, height) in points of every page."""
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "9999", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]


def text(pdf: Path, page: int | None = None) -> str:
    """The text in content order (``pdftotext -raw``): a wrapped cell's lines follow each other."""
    span = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-raw", *span, str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def fonts(pdf: Path) -> list[dict]:
    """``pdffonts``'s table: name, type, embedded (bool) of every font the PDF uses."""
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        # name type... encoding emb sub uni object-id generation: emb is the 5th field from the end
        rows.append({"name": parts[0], "embedded": parts[-5] == "yes", "line": line})
    return rows


def squeeze(value: str) -> str:
    """Text without any whitespace (a wrapped cell's line breaks, column gaps)."""
    return re.sub(r"\s+", "", value)
