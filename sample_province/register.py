"""Register snapshots (sheets 机构 and 产品) and the planted listing violations of feeds.md."""

from __future__ import annotations

import datetime as dt

import numpy as np

from sample_province.institutions import AGREEMENT_DAYS, Institution
from sample_province.products import Product, make_product
from sample_province.workdays import day_number, to_date

INSTITUTION_HEADERS = ["机构编码", "机构名称", "机构类型", "上级机构编码", "所在地区代码", "入驻状态",
                       "审核通过日期", "协议签署日期", "协议到期日期"]
PRODUCT_HEADERS = ["产品编码", "机构编码", "产品名称", "产品类别", "服务对象", "最低额度(万元)", "最高额度(万元)",
                   "最长期限(月)", "利率下限(%)", "利率上限(%)", "担保方式", "适用地区", "最低经营年限(年)",
                   "纳税信用要求", "上架状态", "上架日期", "下架日期"]
FORBIDDEN_CATEGORIES = ("个人消费贷款", "理财产品")


def status_on(inst: Institution, day: int) -> str:
    if inst.approved_day is None or inst.approved_day > day:
        return "待审核"
    if inst.exited_day is not None and inst.exited_day <= day:
        return "已退出"
    if inst.suspended_day is not None and inst.suspended_day <= day:
        return "已暂停"
    return "已入驻"


def _shown(day_value: int | None, day: int):
    return to_date(day_value) if day_value is not None and day_value <= day else None


def institution_row(inst: Institution, day: int) -> list:
    signed = _shown(inst.signed_day, day)
    return [inst.institution_id, inst.name, inst.kind, inst.parent_id, inst.division_code, status_on(inst, day),
            _shown(inst.approved_day, day), signed, to_date(inst.expiry_day) if signed else None]


def product_row(p: Product, day: int) -> list:
    listed = p.delisted_day is None or p.delisted_day > day
    return [p.product_id, p.institution_id, p.name, p.category, p.targets, p.min_wan, p.max_wan, p.max_term,
            p.rate_floor, p.rate_cap, p.guarantee, p.regions, p.min_years, p.tax_grade,
            "上架" if listed else "下架", to_date(p.listed_day), None if listed else to_date(p.delisted_day)]


def violation(p: Product, inst: Institution | None, day: int) -> str | None:
    """The listing rule a product breaks on `day` (feeds.md, register), or None."""
    if p.delisted_day is not None and p.delisted_day <= day:
        return None
    if p.category in FORBIDDEN_CATEGORIES:
        return "product_category_not_allowed"
    if set(p.targets.split("、")) == {"个人"}:
        return "service_target_individual_only"
    if inst is None or inst.applied_day > day or status_on(inst, day) != "已入驻":
        return "institution_not_onboarded"
    if inst.signed_day is None or inst.signed_day > day:
        return "agreement_not_signed"
    if inst.expiry_day < day:
        return "agreement_expired"
    return None


def snapshot(insts: list[Institution], products: list[Product], day: int):
    """Rows of both sheets as of `day`, and [(row_number, product_id, rule)] of violating products."""
    present = [i for i in insts if i.applied_day <= day]
    by_id = {i.institution_id: i for i in present}
    shown = [p for p in products if p.listed_day <= day]
    problems = []
    for row_number, p in enumerate(shown, start=1):
        rule = violation(p, by_id.get(p.institution_id), day)
        if rule is not None:
            problems.append((row_number, p.product_id, rule))
    return ([institution_row(i, day) for i in present], [product_row(p, day) for p in shown], problems)


def plant_violations(rng: np.random.Generator, geo, insts: list[Institution], products: list[Product],
                     first_day: int, last_day: int) -> tuple[list[Institution], list[Product]]:
    """Extra institutions and products that break the listing rules (not written with --clean)."""
    span = last_day - first_day
    serial = len(products)
    steady = [i for i in insts if i.kind == "国有大型商业银行" and i.suspended_day is None]
    new_products: list[Product] = []

    def add(inst: Institution, listed: int, rule: str, **changes) -> Product:
        nonlocal serial
        serial += 1
        p = make_product(rng, geo, inst, serial, "信用贷款", first_day, last_day)
        p.listed_day, p.planted_rule = listed, rule
        for key, value in changes.items():
            setattr(p, key, value)
        new_products.append(p)
        return p

    early = first_day + int(span * rng.uniform(0.05, 0.3))
    add(steady[0], early, "product_category_not_allowed", category="个人消费贷款", targets="小微企业主、个人",
        name=f"{steady[0].short}惠民消费贷")
    add(steady[-1], early + 20, "product_category_not_allowed", category="理财产品", targets="小微企业",
        name=f"{steady[-1].short}企业稳盈理财")
    add(steady[len(steady) // 2], early + 45, "service_target_individual_only", targets="个人",
        name=f"{steady[len(steady) // 2].short}个人经营信用贷")
    expired = _planted_institution(rng, geo, insts, "N", "小额贷款公司", "晋泰小额贷款有限公司", first_day)
    # The agreement ends on a month's last day, so "expired" reads the same on the next snapshot date
    # and at the end of that month (the expiry day itself is still valid).
    expiry = to_date(first_day + int(span * rng.uniform(0.3, 0.6)))
    next_month = (expiry.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    expired.expiry_day = day_number(next_month) - 1
    expired.signed_day = expired.expiry_day - AGREEMENT_DAYS + 1
    for _ in range(2):
        add(expired, first_day - int(rng.integers(30, 300)), "agreement_expired")
    paused = _planted_institution(rng, geo, insts, "B", "村镇银行", "晋丰村镇银行有限责任公司", first_day)
    paused.suspended_day = first_day + int(span * rng.uniform(0.4, 0.7))
    add(paused, first_day - int(rng.integers(30, 300)), "institution_not_onboarded")
    add(paused, first_day - int(rng.integers(30, 300)), None, delisted_day=paused.suspended_day)
    return [expired, paused], new_products


def _planted_institution(rng, geo, insts, prefix: str, kind: str, suffix: str, first_day: int) -> Institution:
    county = int(rng.choice(len(geo.county_codes), p=geo.county_weights))
    number = 1 + sum(1 for i in insts if i.institution_id.startswith(prefix))
    signed = first_day - int(rng.integers(300, 700))
    return Institution(
        institution_id=f"{prefix}{number + 50:04d}", name=f"{geo.county_names[county]}{suffix}",
        short=geo.county_names[county][:2], kind=kind, division_code=geo.county_codes[county], weight=0.0,
        applied_day=signed - 30, approved_day=signed - 5, signed_day=signed, expiry_day=signed + AGREEMENT_DAYS * 2,
    )
