"""The report store (`loancode.config.reports_dir()`): the files produced after each publish, listed and
read within the viewer's scope. A city office sees its own city's monthly reports only; the bulletin
and other cities' reports are the province's. Files are found by their names, which the report writer
(dashboards/reports/store.py) gives them:

    <dir>/<YYYY-MM>/通报_<YYYY-MM>.pdf|docx
    <dir>/<YYYY-MM>/城市月报_<city code>_<city name>_<YYYY-MM>.xlsx|pdf
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from dashboards import access
from dashboards.scope import ScopeError, Viewer
from loancode import config

BULLETIN = re.compile(r"^通报_(?P<month>\d{4}-\d{2})\.(?P<fmt>pdf|docx)$")
CITY_REPORT = re.compile(r"^城市月报_(?P<city>\d{6})_[^_]+_(?P<month>\d{4}-\d{2})\.(?P<fmt>xlsx|pdf)$")
COLUMNS = ["month", "kind", "city_code", "format", "name", "bytes", "modified"]


def _entry(path: Path) -> dict | None:
    for kind, pattern in (("bulletin", BULLETIN), ("city", CITY_REPORT)):
        hit = pattern.match(path.name)
        if hit and hit["month"] == path.parent.name:
            stat = path.stat()
            return {"month": hit["month"], "kind": kind, "city_code": hit.groupdict().get("city"),
                    "format": hit["fmt"], "name": path.name, "bytes": stat.st_size,
                    "modified": pd.Timestamp(stat.st_mtime, unit="s", tz="UTC").tz_convert("Asia/Shanghai")}
    return None


def _visible(viewer: Viewer, entry: dict) -> bool:
    if entry["kind"] == "bulletin":
        return access.may(viewer.role, "bulletin_download")
    return viewer.can_see_city(entry["city_code"])


def report_files(viewer: Viewer) -> pd.DataFrame:
    """The stored files the viewer may download, newest month first."""
    viewer.require("report_download")
    root = config.reports_dir()
    found = []
    if root.is_dir():
        for path in root.glob("*/*"):
            entry = _entry(path) if path.is_file() else None
            if entry and _visible(viewer, entry):
                found.append(entry)
    df = pd.DataFrame(found, columns=COLUMNS)
    return df.sort_values(["month", "kind", "city_code", "format"], ascending=[False, True, True, True],
                          ignore_index=True)


def report_file(viewer: Viewer, month: str, name: str) -> bytes:
    """The content of one stored file, if the viewer may see it (pages download it through
    ``dashboards.actions.stored_report``, which writes the audit log)."""
    viewer.require("report_download")
    path = config.reports_dir() / month / name
    entry = _entry(path) if path.is_file() else None
    if entry is None:
        raise FileNotFoundError(f"报表文件不存在：{month}/{name}")
    if not _visible(viewer, entry):
        what = "全省通报" if entry["kind"] == "bulletin" else "其他地市的月报"
        raise ScopeError(f"当前查看范围为{viewer.label}，无权下载{what}。")
    return path.read_bytes()
