"""What an analyst would otherwise write: the 24 indicators of indicators.md at province, city and county ×
month, in plain pandas, straight from the landing files (no warehouse, no SQL).

It reads every delivery of the four feeds (CSV in UTF-8 or GB18030, JSON Lines, the register's workbooks),
keeps one copy of each event and report, drops the applications whose life cycle is broken, and computes
each indicator with groupby. It applies no row rules: it is meant for a landing zone without contract
breaches (`python -m sample_province --bad-rows 0`), where the platform quarantines nothing and the two must
agree number for number (bench/pandas_baseline.py checks that they do).

    python -m bench.pandas_indicators <landing> [out.parquet]
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import chinese_calendar
import numpy as np
import pandas as pd

PROVINCE = "140000"
CITIES = {f"14{n:02d}00" for n in range(1, 12)}
GRAINS = ("province", "city", "county")
NOT_COUNTY = {"S01", "S02", "S03", "C01", "K01", "K02"}  # published at province and city only


# ---------------------------------------------------------------- reading the landing zone


def _business_date(path: Path) -> str:
    return path.stem.rsplit("_", 1)[1]


def read_csv_files(folder: Path) -> pd.DataFrame:
    frames = []
    for path in sorted(folder.glob("*.csv")):
        data = path.read_bytes()
        try:
            text_encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
            data.decode(text_encoding)
        except UnicodeDecodeError:
            text_encoding = "gb18030"
        frame = pd.read_csv(path, dtype=str, encoding=text_encoding)
        frame["_business_date"] = _business_date(path)
        frame["_row"] = np.arange(len(frame))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def read_reports(folder: Path) -> pd.DataFrame:
    rows = []
    for path in sorted(folder.glob("*.jsonl")):
        day = _business_date(path)
        with open(path, encoding="utf-8-sig") as f:
            for n, line in enumerate(f):
                if line.strip():
                    report = json.loads(line)
                    subject = report.get("subject") or {}
                    rows.append((report["report_id"], report["uscc"], report["queried_at"], report["institution_id"],
                                 report.get("authorization_id"), subject.get("county_code"), day, n))
    return pd.DataFrame(rows, columns=["report_id", "uscc", "queried_at", "institution_id", "authorization_id",
                                       "county_code", "_business_date", "_row"])


def read_register(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    institutions, products = [], []
    for path in sorted(folder.glob("*.xlsx")):
        sheets = pd.read_excel(path, sheet_name=["机构", "产品"], dtype=object)
        day = pd.Timestamp(dt.datetime.strptime(_business_date(path), "%Y%m%d"))
        institutions.append(sheets["机构"].drop_duplicates("机构编码").assign(snapshot=day))
        products.append(sheets["产品"].drop_duplicates("产品编码").assign(snapshot=day))
    return pd.concat(institutions, ignore_index=True), pd.concat(products, ignore_index=True)


def timestamps(values: pd.Series) -> pd.Series:
    """`YYYY-MM-DD HH:MM:SS` or ISO 8601 with +08:00: Beijing time either way."""
    return pd.to_datetime(values.str.replace("T", " ").str[:19], format="%Y-%m-%d %H:%M:%S")


def city_of(codes: pd.Series) -> pd.Series:
    city = codes.str[:4] + "00"
    return city.where(city.isin(CITIES))


# ---------------------------------------------------------------- the working-day calendar


def deadline_day(day: dt.date) -> dt.date:
    """The 3rd working day strictly after `day` (the official calendar; Monday–Friday where unknown)."""
    found = 0
    while found < 3:
        day += dt.timedelta(days=1)
        try:
            working = chinese_calendar.is_workday(day)
        except NotImplementedError:
            working = day.weekday() < 5
        found += working
    return day


# ---------------------------------------------------------------- the indicators


class Long:
    """Collects (indicator_code, period, grain, grain_key, value) rows."""

    def __init__(self, periods: list[str]):
        self.periods = periods
        self.parts: list[pd.DataFrame] = []

    def add(self, code: str, frame: pd.DataFrame, period: str, measure, zero_fill: bool = True,
            grains=GRAINS) -> None:
        """`measure(grouped) -> Series` per (period, member) over `frame`, at each grain; province and city get
        the complete grid (0 for counts and amounts, NaN for rates)."""
        for grain in grains:
            if grain == "county" and code in NOT_COUNTY:
                continue
            key = {"province": None, "city": "city", "county": "county_code"}[grain]
            data = frame if key is None else frame[frame[key].notna()]
            keys = [data[period]] if key is None else [data[period], data[key]]
            values = measure(data.groupby(keys)) if len(data) else pd.Series(dtype=float)
            values = values.astype(float)
            if grain in ("province", "city"):
                members = [PROVINCE] if grain == "province" else sorted(CITIES)
                if key is None:
                    values.index = pd.MultiIndex.from_arrays([values.index, [PROVINCE] * len(values)])
                grid = pd.MultiIndex.from_product([self.periods, members])
                values = values.reindex(grid, fill_value=0.0 if zero_fill else np.nan)
            values.index.names = ["period", "grain_key"]
            self.parts.append(values.rename("value").reset_index().assign(indicator_code=code, grain=grain))

    def frame(self) -> pd.DataFrame:
        return pd.concat(self.parts, ignore_index=True)[["indicator_code", "period", "grain", "grain_key", "value"]]


def compute(landing: Path) -> pd.DataFrame:
    events = read_csv_files(landing / "applications")
    events = events.sort_values(["_business_date", "_row"]).drop_duplicates("event_id", keep="first")
    events["event_time"] = timestamps(events["event_time"])
    for column in ("amount_yuan", "annual_rate_pct"):
        events[column] = pd.to_numeric(events[column])

    # one row per application: its submitted row and the first time of each step
    submitted = events[events["event_type"] == "submitted"]
    apps = submitted.drop_duplicates("application_id").set_index("application_id")[
        ["event_time", "uscc", "county_code", "amount_yuan"]].rename(columns={"event_time": "submitted_at"})
    apps["n_submitted"] = submitted.groupby("application_id").size()
    firsts = events.groupby(["application_id", "event_type"])["event_time"].min().unstack()
    for step in ("accepted", "approved", "rejected", "disbursed", "withdrawn"):
        apps[f"{step}_at"] = firsts.get(step, pd.NaT)
    apps["last_withdrawn_at"] = events[events["event_type"] == "withdrawn"].groupby("application_id")["event_time"].max()
    apps["first_at"] = events.groupby("application_id")["event_time"].min()
    apps["last_at"] = events.groupby("application_id")["event_time"].max()
    approvals = events[events["event_type"] == "approved"].sort_values(["event_time", "_business_date", "_row"])
    apps["approved_yuan"] = approvals.drop_duplicates("application_id").set_index("application_id")["amount_yuan"]
    apps["drawn_yuan"] = events[events["event_type"] == "disbursed"].groupby("application_id")["amount_yuan"].sum()

    # the life cycle (feeds.md Clarification 2): a broken application counts nowhere
    ok = ((apps["n_submitted"] == 1) & (apps["first_at"] >= apps["submitted_at"])
          & (apps["approved_at"].isna() | (apps["accepted_at"] <= apps["approved_at"]))
          & (apps["disbursed_at"].isna() | (apps["approved_at"] <= apps["disbursed_at"]))
          & (apps["last_withdrawn_at"].isna() | apps["disbursed_at"].isna()
             | (apps["last_withdrawn_at"] <= apps["disbursed_at"]))
          & (apps["drawn_yuan"].isna() | (apps["drawn_yuan"] <= apps["approved_yuan"])))
    apps = apps[ok].copy()
    apps["city"] = city_of(apps["county_code"])

    reports = read_reports(landing / "credit_reports")
    reports = reports.sort_values(["_business_date", "_row"]).drop_duplicates("report_id", keep="first")
    reports["queried_at"] = timestamps(reports["queried_at"])

    first = min(apps["first_at"].min(), reports["queried_at"].min())
    last = max(apps["last_at"].max(), reports["queried_at"].max())
    periods = [str(p) for p in pd.period_range(first, last, freq="M")]
    out = Long(periods)

    def month(values: pd.Series) -> pd.Series:
        return values.dt.strftime("%Y-%m")

    # demand: D01–D03, O11
    apps["submitted_month"] = month(apps["submitted_at"])
    apps["matched_30d"] = (apps["disbursed_at"] - apps["submitted_at"]) <= pd.Timedelta(hours=720)
    out.add("D01", apps, "submitted_month", lambda g: g.size())
    out.add("D02", apps, "submitted_month", lambda g: g["amount_yuan"].sum() / 10000)
    out.add("D03", apps, "submitted_month", lambda g: g["uscc"].nunique())
    out.add("O11", apps, "submitted_month", lambda g: g["matched_30d"].mean() * 100, zero_fill=False)

    # response: R01–R03
    days = {d: deadline_day(d) for d in apps["submitted_at"].dt.date.unique()}
    apps["deadline_day"] = pd.to_datetime(apps["submitted_at"].dt.date.map(days))
    deadline_end = apps["deadline_day"] + pd.Timedelta(hours=23, minutes=59, seconds=59)
    accepted = apps[apps["accepted_at"].notna()].assign(
        accepted_month=lambda f: month(f["accepted_at"]),
        hours=lambda f: (f["accepted_at"] - f["submitted_at"]).dt.total_seconds() / 3600,
        on_time=lambda f: f["accepted_at"] <= deadline_end[f.index])
    out.add("R01", accepted, "accepted_month", lambda g: g.size())
    out.add("R02", accepted, "accepted_month", lambda g: g["hours"].mean(), zero_fill=False)
    out.add("R03", accepted, "accepted_month", lambda g: g["on_time"].mean() * 100, zero_fill=False)

    # R04: at each month's end, the demands submitted by then, unanswered by then, whose deadline day is
    # before the month's last day
    answered_at = apps[["accepted_at", "rejected_at", "withdrawn_at"]].min(axis=1)
    overdue = []
    for period in periods:
        last_day = pd.Period(period, freq="M").end_time.normalize()
        end = last_day + pd.Timedelta(hours=23, minutes=59, seconds=59)
        waiting = apps[(apps["submitted_at"] <= end) & (apps["deadline_day"] < last_day)
                       & (answered_at.isna() | (answered_at > end))]
        overdue.append(waiting[["city", "county_code"]].assign(period=period))
    out.add("R04", pd.concat(overdue), "period", lambda g: g.size())

    # approval and decision: O01, O02, O10
    approved = apps[apps["approved_at"].notna()].assign(approved_month=lambda f: month(f["approved_at"]))
    out.add("O01", approved, "approved_month", lambda g: g.size())
    out.add("O02", approved, "approved_month", lambda g: g["approved_yuan"].sum() / 10000)
    decided_at = apps[["approved_at", "rejected_at"]].min(axis=1)
    decided = apps[decided_at.notna()].assign(decided_month=month(decided_at.dropna()),
                                               approval=lambda f: f["approved_at"] == decided_at[f.index])
    out.add("O10", decided, "decided_month", lambda g: g["approval"].mean() * 100, zero_fill=False)

    # disbursements: O03–O09, C01 (the rows of the valid applications, their geography from the submission)
    drawn = events[(events["event_type"] == "disbursed") & events["application_id"].isin(apps.index)]
    drawn = drawn.drop(columns=["county_code"]).join(apps[["county_code", "city"]], on="application_id")
    drawn = drawn.assign(month=month(drawn["event_time"]), weighted=drawn["annual_rate_pct"] * drawn["amount_yuan"],
                         credit=drawn["amount_yuan"].where(drawn["guarantee_type"] == "信用", 0.0),
                         government=drawn["amount_yuan"].where(drawn["guarantee_type"] == "政府性融资担保", 0.0),
                         first_loan_uscc=drawn["uscc"].where(drawn["first_loan"] == "Y"))

    def ratio(numerator: str, scale: float = 1.0):
        def measure(g):
            total = g["amount_yuan"].sum()
            return (g[numerator].sum() / total * scale).where(total != 0)
        return measure

    out.add("O03", drawn, "month", lambda g: g.size())
    out.add("O04", drawn, "month", lambda g: g["amount_yuan"].sum() / 10000)
    out.add("O05", drawn, "month", lambda g: g["uscc"].nunique())
    out.add("O06", drawn, "month", ratio("weighted"), zero_fill=False)
    out.add("O07", drawn, "month", lambda g: g["first_loan_uscc"].nunique())
    out.add("O08", drawn, "month", ratio("credit", 100.0), zero_fill=False)
    out.add("O09", drawn, "month", lambda g: g["government"].sum() / 10000)
    out.add("C01", drawn, "month", lambda g: g["county_code"].nunique())

    # credit reports: K01, K02 (lawful: the latest row of its authorization, same uscc and institution,
    # scope credit_report or all, granted_at <= queried_at < min(expires_at, revoked_at))
    grants = read_csv_files(landing / "authorizations")
    grants = grants.sort_values(["_business_date", "_row"]).drop_duplicates("authorization_id", keep="last")
    for column in ("granted_at", "expires_at", "revoked_at"):
        grants[column] = timestamps(grants[column].fillna(""))  # blank → NaT
    joined = reports.merge(grants, on="authorization_id", how="left", suffixes=("", "_grant"))
    ends = joined[["expires_at", "revoked_at"]].min(axis=1)
    lawful = ((joined["uscc_grant"] == joined["uscc"]) & (joined["institution_id_grant"] == joined["institution_id"])
              & joined["scope"].isin(["credit_report", "all"]) & (joined["granted_at"] <= joined["queried_at"])
              & (joined["queried_at"] < ends))
    joined = joined.assign(month=month(joined["queried_at"]), city=city_of(joined["county_code"].fillna("")),
                           unlawful=~lawful)
    out.add("K01", joined, "month", lambda g: g.size())
    out.add("K02", joined, "month", lambda g: g["unlawful"].sum())

    # the register in force at each month's end: S01–S03
    institutions, products = read_register(landing / "register")
    snapshots = sorted(institutions["snapshot"].unique())
    onboarded, listed = [], []
    for period in periods:
        last_day = pd.Period(period, freq="M").end_time.normalize()
        in_force = [s for s in snapshots if s <= last_day]
        if not in_force:
            continue
        insts = institutions[institutions["snapshot"] == in_force[-1]].set_index("机构编码")
        insts = insts.assign(city=city_of(insts["所在地区代码"].astype(str)))
        onboarded.append(insts[insts["入驻状态"] == "已入驻"][["city"]].assign(period=period))
        prods = products[(products["snapshot"] == in_force[-1]) & (products["上架状态"] == "上架")]
        owner = insts.reindex(prods["机构编码"])
        owner.index = prods.index
        targets = prods["服务对象"].fillna("").map(lambda v: sorted({t.strip() for t in v.split("、") if t.strip()}))
        signed = pd.to_datetime(owner["协议签署日期"])
        expiry = pd.to_datetime(owner["协议到期日期"])
        violation = (prods["产品类别"].isin(["个人消费贷款", "理财产品"]) | targets.map(lambda t: t == ["个人"])
                     | owner["入驻状态"].ne("已入驻") | signed.isna() | (signed > last_day) | (expiry < last_day))
        listed.append(pd.DataFrame({"city": owner["city"], "violation": violation, "period": period}))
    onboarded_frame = pd.concat(onboarded) if onboarded else pd.DataFrame(columns=["city", "period"])
    listed_frame = pd.concat(listed) if listed else pd.DataFrame(columns=["city", "violation", "period"])
    out.add("S01", onboarded_frame, "period", lambda g: g.size())
    out.add("S02", listed_frame, "period", lambda g: g.size())
    out.add("S03", listed_frame, "period", lambda g: g["violation"].sum())
    return out.frame()


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def disagreements(con, result: pd.DataFrame, tolerance: float = 1e-9) -> list[dict]:
    """Every (code, period, grain, member) where `result` and marts.indicator_values differ, for the codes and
    grains `result` has. The county grain is sparse in the mart (indicators.md Clarification 2): a row absent
    on one side equals 0 or NULL on the other."""
    mart = {tuple(row[:4]): row[4] for row in con.execute(
        "SELECT indicator_code, period, grain, grain_key, value FROM marts.indicator_values "
        "WHERE grain IN (SELECT unnest(?)) AND indicator_code IN (SELECT unnest(?))",
        [list(GRAINS), sorted(result["indicator_code"].unique())]).fetchall()}
    ours = {(r.indicator_code, r.period, r.grain, r.grain_key): (None if _missing(r.value) else float(r.value))
            for r in result.itertuples(index=False)}
    out = []
    for key in sorted(mart.keys() | ours.keys()):
        a, b = mart.get(key, "absent"), ours.get(key, "absent")
        if "absent" in (a, b):
            present = b if a == "absent" else a
            if key[2] == "county" and (present is None or present == 0):
                continue
        elif a is None or b is None:
            if a is None and b is None:
                continue
        elif abs(a - b) <= tolerance * max(1.0, abs(a), abs(b)):
            continue
        out.append({"code": key[0], "period": key[1], "grain": key[2], "member": key[3], "mart": a, "pandas": b})
    return out


def main(argv: list[str]) -> int:
    result = compute(Path(argv[0]))
    if len(argv) > 1:
        result.to_parquet(argv[1], index=False)
    else:
        print(result.groupby("indicator_code").size().to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
