"""报表中心: the files produced after each publish — the monthly bulletin (province only) and the city
monthly reports (a city office: its own) — ready to download, month by month."""

from __future__ import annotations

import streamlit as st

from dashboards import actions, access
from dashboards import format as fmt
from dashboards import queries as q
from dashboards import ui
from dashboards.scope import CITY_NAMES

MIME = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

viewer = ui.viewer()
st.title("报表中心")
files = q.report_files(viewer)
if files.empty:
    st.info("报表尚未生成：每次发布仓库后由 Dagster 自动生成（make build 亦会生成最近两个月），"
            "也可运行 python -m dashboards.reports publish --month YYYY-MM。")
    st.stop()

months = sorted(files["month"].unique().tolist(), reverse=True)
month = ui.url_selectbox("统计月份", months, key="month", format_func=fmt.period_label)
shown = files[files["month"] == month]


def download(column, row, label: str) -> None:
    column.download_button(
        label,
        data=lambda m=row.month, n=row.name: actions.stored_report(viewer, m, n),
        file_name=row.name,
        mime=MIME[row.format],
        on_click="ignore",
        icon=":material/download:",
        key=f"download_{row.name}",
    )


bulletins = shown[shown["kind"] == "bulletin"]
if access.may(viewer.role, "bulletin_download"):
    st.subheader(f"{fmt.period_label(month)} 工作通报")
    cols = st.columns(4)
    for col, row in zip(cols, bulletins.sort_values("format", ascending=False).itertuples(index=False), strict=False):
        download(col, row, f"通报（{row.format.upper()}）")
    if bulletins.empty:
        st.caption("本月通报尚未生成。")

st.subheader(f"{fmt.period_label(month)} 城市月报")
cities = shown[shown["kind"] == "city"]
for city, part in cities.groupby("city_code", sort=True):
    name, xlsx, pdf = st.columns([2, 1, 1])
    name.markdown(f"**{CITY_NAMES.get(city, city)}**")
    for col, row in zip((xlsx, pdf), part.sort_values("format", ascending=False).itertuples(index=False), strict=False):
        download(col, row, f"{row.format.upper()}（{row.bytes / 1024:,.0f} KB）")
stamp = shown["modified"].max()
st.caption(f"生成时间 {stamp:%Y-%m-%d %H:%M}；历月报表均保留在报表目录中，可切换月份下载。")
