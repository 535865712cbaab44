"""贷款码推广 as report sections (docs/promotion.md), self-contained over the query layer:

    promotion_section(viewer, month, city="140100")   # the city's P01–P08 by issuer type, and its total
    promotion_section(viewer, month)                  # the province's (the 通报)
    promotion_cities_section(viewer, month)           # P01–P08 of the province and every city (the 通报)
    promotion_codes_section(viewer, month, "140100")  # a city's top and bottom five codes and dormant ones

Each returns a ``Section`` of reports.data whose numbers are the marts' own: marts.indicator_values (grains
province, city, issuer_type), marts.rpt_city_breakdowns (city × issuer type), marts.rpt_promotion_codes.
"""

from __future__ import annotations

from dashboards import queries as q
from dashboards.reports.data import Column, Section, _catalog, _clean, _coded_columns, _wide
from dashboards.scope import CITY_NAMES, PROVINCE_CODE, Viewer

CODES = q.P_CODES
RANKED = 5
DORMANT_LISTED = 20  # the longest silent; the note gives how many there are
AREA_NOTE = ("按贷款码的发码地区与发码主体类型归属（省级码只计入全省）；受理、授信、放款按需求的提交月份统计截至目前的结果；"
             "沉寂：连续 3 个月未带来需求。")


def _area_rows(viewer: Viewer, month: str, grain: str, keys: list[str]) -> dict[str, dict[str, object]]:
    df = q.values(viewer, CODES, grain, keys=keys, start=month, end=month)
    out: dict[str, dict[str, object]] = {}
    for r in df.itertuples(index=False):
        out.setdefault(str(r.grain_key), {})[str(r.indicator_code)] = _clean(r.value)
    return out


def promotion_section(viewer: Viewer, month: str, *, city: str | None = None) -> Section:
    """The area's P01–P08 by issuer type (in the issuer types' order), then the area's total."""
    cat = _catalog(viewer)
    df = q.breakdown(viewer, "issuer_type", CODES, city=city, start=month, end=month)
    labels = q.issuer_labels()
    wide = _wide(df, "member_key", "member_name", CODES).set_index("member_key")
    order = [k for k in labels if k in wide.index] + sorted(k for k in wide.index if k not in labels)
    rows = [[labels.get(k, k), *(_clean(wide.at[k, c]) for c in CODES)] for k in order]
    grain, key = ("province", PROVINCE_CODE) if city is None else ("city", city)
    total = _area_rows(viewer, month, grain, [key]).get(key, {})
    rows.append(["合计", *(total.get(c) for c in CODES)])
    cols = _coded_columns([Column("发码主体类型")], CODES, cat)
    return Section("promotion", "贷款码推广", cols, rows, AREA_NOTE)


def promotion_cities_section(viewer: Viewer, month: str) -> Section:
    """P01–P08 of the province and every city the viewer may see (the province's row for the province scope)."""
    cat = _catalog(viewer)
    cities = [c for c in CITY_NAMES if viewer.can_see_city(c)]
    by_city = _area_rows(viewer, month, "city", cities)
    rows = [[c, CITY_NAMES[c], *(by_city.get(c, {}).get(k) for k in CODES)] for c in cities]
    if viewer.is_province:
        province = _area_rows(viewer, month, "province", [PROVINCE_CODE]).get(PROVINCE_CODE, {})
        rows.append([PROVINCE_CODE, "全省", *(province.get(k) for k in CODES)])
    cols = _coded_columns([Column("地区代码"), Column("地区")], CODES, cat)
    return Section("promotion_cities", "贷款码推广（地市）", cols, rows,
                   AREA_NOTE + "全省含省级贷款码，故不一定等于各市之和。")


CODE_COLUMNS = [
    ("qr_code_id", Column("贷款码")),
    ("issuer_name", Column("发码主体")),
    ("division_name", Column("发码地区")),
    ("demands", Column("需求笔数", "count", "笔")),
    ("accepted", Column("受理笔数", "count", "笔")),
    ("approved", Column("授信笔数", "count", "笔")),
    ("disbursed", Column("放款笔数", "count", "笔")),
    ("disbursed_amount_wan", Column("放款金额", "amount", "万元")),
    ("conversion_pct", Column("转化率", "pct", "%")),
    ("last_demand_period", Column("最近一笔需求月份")),
]


def promotion_codes_section(viewer: Viewer, month: str, city: str) -> Section:
    """The city's five codes that brought the most loans, the five active ones that brought the fewest, and
    its dormant codes, the longest silent first (``city`` 140000: the provincial codes, province scope only)."""
    dormant = q.promotion_codes(viewer, month, city=city, dormant=True)
    groups = [
        ("前五", q.promotion_codes(viewer, month, city=city, ranked="top", limit=RANKED), "rank_top"),
        ("后五", q.promotion_codes(viewer, month, city=city, ranked="bottom", limit=RANKED), "rank_bottom"),
        ("沉寂", dormant.head(DORMANT_LISTED), None),
    ]
    rows = []
    for label, frame, rank in groups:
        for i, r in enumerate(frame.to_dict("records"), start=1):
            rows.append([label, r[rank] if rank else i, *(_clean(r[k]) for k, _ in CODE_COLUMNS)])
    cols = [Column("类别"), Column("序号", "count"), *(c for _, c in CODE_COLUMNS)]
    note = (f"本月有需求的贷款码按带来放款的需求笔数（P04）、需求笔数、放款金额排序的前五与后五；沉寂贷款码 {len(dormant)} 个"
            f"（连续 3 个月未带来需求，按沉寂时长排列，列出前 {DORMANT_LISTED} 个）。数据来自 marts.rpt_promotion_codes。")
    return Section("promotion_codes", "贷款码排名", cols, rows, note)
