"""The ~40 institutions on the platform and their onboarding timeline (day numbers since 1970)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from loancode.divisions import PROVINCE_CODE
from sample_province.geography import Geography
from sample_province.names import TRADE_WORDS

# (brand, short brand for product names, 机构类型, level, how many branches, weight for demands)
BRANDS = [
    ("中国农业发展银行", "农发行", "政策性银行", "city", 2, 0.4),
    ("中国工商银行", "工行", "国有大型商业银行", "city", 2, 3.0),
    ("中国农业银行", "农行", "国有大型商业银行", "city", 2, 3.0),
    ("中国银行", "中行", "国有大型商业银行", "city", 1, 2.0),
    ("中国建设银行", "建行", "国有大型商业银行", "city", 2, 3.0),
    ("交通银行", "交行", "国有大型商业银行", "city", 1, 1.5),
    ("中国邮政储蓄银行", "邮储", "国有大型商业银行", "city", 2, 2.5),
    ("招商银行", "招行", "股份制商业银行", "city", 1, 1.2),
    ("兴业银行", "兴业", "股份制商业银行", "city", 1, 1.0),
    ("中信银行", "中信", "股份制商业银行", "city", 1, 0.8),
    ("中国民生银行", "民生", "股份制商业银行", "city", 1, 0.8),
    ("晋商银行", "晋商", "城市商业银行", "province", 1, 3.0),
    ("晋商银行", "晋商", "城市商业银行", "branch", 2, 2.0),
    ("山西银行", "山西银行", "城市商业银行", "city", 2, 2.5),
    ("农村商业银行", "农商", "农村商业银行", "county", 6, 2.5),
    ("村镇银行", "村镇", "村镇银行", "county", 3, 0.8),
    ("融资担保有限公司", "", "融资担保机构", "city", 4, 0.0),
    ("小额贷款有限公司", "小贷", "小额贷款公司", "city", 2, 0.4),
    ("融资租赁有限公司", "租赁", "融资租赁公司", "city", 1, 0.2),
    ("普惠金融服务有限公司", "普惠", "其他非银机构", "city", 1, 0.2),
]
ID_PREFIX = {"融资担保机构": "G", "小额贷款公司": "N", "融资租赁公司": "N", "其他非银机构": "N"}
AGREEMENT_DAYS = 5 * 365 + 1


@dataclass
class Institution:
    institution_id: str
    name: str
    short: str
    kind: str
    division_code: str
    weight: float
    applied_day: int
    approved_day: int | None
    signed_day: int | None
    expiry_day: int | None
    parent_id: str = ""
    suspended_day: int | None = None
    exited_day: int | None = None
    planted_rule: str | None = None

    @property
    def lends(self) -> bool:
        return self.kind != "融资担保机构" and self.approved_day is not None

    def active_between(self, first: int, last: int) -> bool:
        """Onboarded with a signed agreement throughout [first, last]."""
        if self.signed_day is None or self.signed_day > first or self.expiry_day < last:
            return False
        stop = min(d for d in (self.suspended_day, self.exited_day, 10**9) if d is not None)
        return stop > last


def _place(rng, geo: Geography, level: str, taiyuan_first: bool) -> tuple[str, str]:
    """(division code, place name for the institution name) for one branch."""
    if level == "province":
        return PROVINCE_CODE, ""
    if level == "county":
        county = rng.choice(len(geo.county_codes), p=geo.county_weights)
        return geo.county_codes[county], geo.county_names[county]
    city = 0 if taiyuan_first else rng.choice(len(geo.city_codes))
    return geo.city_codes[city], geo.city_names[city]


def _name(brand: str, level: str, place: str, trade_word: str) -> str:
    short_place = place[:-1] if len(place) > 2 else place
    if level == "province":
        return f"{brand}股份有限公司"
    if brand in ("农村商业银行",):
        return f"山西{short_place}{brand}股份有限公司"
    if brand == "村镇银行":
        return f"{place}晋融村镇银行有限责任公司"
    if brand == "融资担保有限公司":  # municipal guarantee companies carry the city's name only
        return f"{place}{brand}"
    if brand.endswith("有限公司"):
        return f"{place}{trade_word}{brand}"
    return f"{brand}{short_place}分行"


def _timeline(rng, first_day: int, last_day: int, late: bool) -> dict:
    """Onboarding dates: most before the data range, a few onboard during it."""
    if late:
        applied = int(rng.integers(first_day, max(first_day + 1, last_day - 120)))
    else:
        applied = int(first_day - rng.integers(200, 900))
    approved = applied + int(rng.integers(7, 40))
    signed = approved + int(rng.integers(0, 8))
    expiry = signed + AGREEMENT_DAYS
    while expiry <= last_day + 30:  # renewed: clean institutions never lapse inside the range
        expiry += AGREEMENT_DAYS
    return {"applied_day": applied, "approved_day": approved, "signed_day": signed, "expiry_day": expiry}


def build(rng: np.random.Generator, geo: Geography, first_day: int, last_day: int) -> list[Institution]:
    """The clean register: every lender onboarded properly; one suspended and one exited mid-range."""
    out: list[Institution] = []
    counters: dict[str, int] = {}
    province_parent = ""
    used_names: set[str] = set()
    for brand, short, kind, level, count, weight in BRANDS:
        for k in range(count):
            code, place = _place(rng, geo, "city" if level == "branch" else level,
                                 taiyuan_first=(k == 0 and level == "city"))
            name = _name(brand, "city" if level == "branch" else level, place, str(rng.choice(TRADE_WORDS)))
            if name in used_names:
                code, place = _place(rng, geo, "city" if level == "branch" else level, False)
                name = _name(brand, "city" if level == "branch" else level, place, str(rng.choice(TRADE_WORDS)))
                if name in used_names:
                    continue
            used_names.add(name)
            prefix = ID_PREFIX.get(kind, "B")
            counters[prefix] = counters.get(prefix, 0) + 1
            inst = Institution(
                institution_id=f"{prefix}{counters[prefix]:04d}", name=name,
                short=short if level not in ("county",) else place[:2] + short, kind=kind,
                division_code=code, weight=weight,
                parent_id=province_parent if level == "branch" else "",
                **_timeline(rng, first_day, last_day, late=False),
            )
            if level == "province":
                province_parent = inst.institution_id
            out.append(inst)
    _onboard_some_during_range(rng, out, first_day, last_day)
    _suspend_and_exit(rng, out, first_day, last_day)
    return out


def _onboard_some_during_range(rng, insts: list[Institution], first_day: int, last_day: int) -> None:
    lenders = [i for i in insts if i.kind in ("村镇银行", "小额贷款公司", "其他非银机构", "股份制商业银行")]
    picks = rng.choice(len(lenders), size=min(4, len(lenders)), replace=False)
    for n, index in enumerate(picks):
        inst = lenders[index]
        for key, value in _timeline(rng, first_day, last_day, late=True).items():
            setattr(inst, key, value)
        if n == 0:  # still waiting for review at the end: 待审核, no agreement, no products
            inst.approved_day = inst.signed_day = inst.expiry_day = None


def _suspend_and_exit(rng, insts: list[Institution], first_day: int, last_day: int) -> None:
    candidates = [i for i in insts if i.kind in ("小额贷款公司", "融资租赁公司", "村镇银行")
                  and i.approved_day is not None and i.applied_day < first_day]
    span = last_day - first_day
    if len(candidates) >= 2:
        a, b = rng.choice(len(candidates), size=2, replace=False)
        candidates[a].suspended_day = first_day + int(span * rng.uniform(0.4, 0.7))
        candidates[b].exited_day = first_day + int(span * rng.uniform(0.3, 0.6))
