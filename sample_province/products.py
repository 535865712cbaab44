"""Loan products listed by the lenders (~120), with their listing timeline."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from loancode.divisions import city_of
from loancode.divisions import PROVINCE_CODE
from sample_province.geography import Geography
from sample_province.institutions import Institution

# category -> (product name words, guarantee types, max amount range 万元, max term choices)
CATEGORIES = {
    "信用贷款": (["经营快贷", "税e贷", "信用贷", "商户贷", "科创贷", "首贷通", "晋享贷"], ["信用"], (100, 500), [12, 24, 36]),
    "担保贷款": (["担保贷", "政银担", "创业担保贷", "惠农担保贷"], ["保证", "政府性融资担保"], (300, 1000), [12, 24, 36]),
    "抵押贷款": (["抵押快贷", "房抵贷", "厂房贷"], ["抵押"], (500, 1000), [36, 60]),
    "质押贷款": (["知识产权质押贷", "应收账款质押贷", "存单质押贷"], ["质押"], (300, 1000), [12, 24]),
    "供应链金融": (["链融通", "订单贷", "供应链e贷"], ["信用", "质押"], (200, 1000), [6, 12]),
    "票据融资": (["票据秒贴", "电子票据贴现"], ["质押"], (300, 1000), [6, 12]),
}
CATEGORY_WEIGHTS = {"信用贷款": 0.36, "担保贷款": 0.23, "抵押贷款": 0.2, "质押贷款": 0.07,
                    "供应链金融": 0.08, "票据融资": 0.05}
TARGETS = ["小微企业、个体工商户", "小微企业", "个体工商户、小微企业主", "小微企业、个体工商户、小微企业主", "个体工商户"]
TARGET_WEIGHTS = [0.35, 0.2, 0.15, 0.25, 0.05]
# A shelf of ~200 products, most of them for one city or a few counties (local lenders' own products):
# what a business sees differs by where it is, as on the real platform.
PRODUCTS_PER_LENDER = {"国有大型商业银行": 6, "城市商业银行": 8, "股份制商业银行": 5, "农村商业银行": 8,
                       "政策性银行": 2, "村镇银行": 5, "小额贷款公司": 3, "融资租赁公司": 1, "其他非银机构": 2}
PROVINCE_WIDE_SHARE = 0.25  # of the products of a lender below the province level


@dataclass
class Product:
    product_id: str
    institution_id: str
    name: str
    category: str
    targets: str
    min_wan: float
    max_wan: float
    max_term: int
    rate_floor: float
    rate_cap: float
    guarantee: str
    regions: str
    min_years: float
    tax_grade: str
    listed_day: int
    delisted_day: int | None = None
    planted_rule: str | None = None

    @property
    def serves_companies(self) -> bool:
        return "小微企业" in self.targets.replace("小微企业主", "")

    @property
    def serves_individuals(self) -> bool:
        return "个体工商户" in self.targets or "小微企业主" in self.targets


def _regions(rng, geo: Geography, inst: Institution) -> str:
    code = inst.division_code
    if code == PROVINCE_CODE or rng.random() < PROVINCE_WIDE_SHARE:
        return "全省"
    if code.endswith("00"):  # a city branch serves its city
        return str(code)
    city = city_of(code)
    neighbours = [c for c in geo.county_codes if c.startswith(code[:4]) and c != code]
    extra = list(rng.choice(neighbours, size=min(len(neighbours), int(rng.integers(0, 3))), replace=False))
    return ";".join([str(code), *sorted(str(e) for e in extra)]) if rng.random() < 0.8 else city


def make_product(rng, geo: Geography, inst: Institution, serial: int, category: str, first_day: int,
         last_day: int) -> Product:
    words, guarantees, (max_lo, max_hi), terms = CATEGORIES[category]
    floor = round(float(rng.uniform(3.0, 3.9)), 2)
    listed = max(inst.signed_day + int(rng.integers(0, 60)),
                 first_day - int(rng.integers(30, 500)) if rng.random() < 0.85
                 else first_day + int(rng.integers(0, max(1, last_day - first_day - 60))))
    return Product(
        product_id=f"P{serial:04d}", institution_id=inst.institution_id,
        name=f"{inst.short}{words[int(rng.integers(len(words)))]}", category=category,
        targets=TARGETS[rng.choice(len(TARGETS), p=TARGET_WEIGHTS)],
        min_wan=float(rng.choice([1, 5, 10, 20])), max_wan=float(rng.integers(max_lo // 50, max_hi // 50 + 1) * 50),
        max_term=int(rng.choice(terms)), rate_floor=floor, rate_cap=round(floor + float(rng.uniform(1.0, 2.2)), 2),
        guarantee=guarantees[int(rng.integers(len(guarantees)))], regions=_regions(rng, geo, inst),
        min_years=float(rng.choice([0.5, 1, 1, 2, 3])), tax_grade=str(rng.choice(["", "", "M", "B", "A"])),
        listed_day=listed,
    )


def build(rng: np.random.Generator, geo: Geography, insts: list[Institution], first_day: int,
          last_day: int) -> list[Product]:
    """Clean products: listed only while their institution is onboarded with a valid agreement."""
    products: list[Product] = []
    cats, weights = list(CATEGORY_WEIGHTS), np.array(list(CATEGORY_WEIGHTS.values()))
    weights = weights / weights.sum()
    for inst in insts:
        if not inst.lends:
            continue
        for _ in range(PRODUCTS_PER_LENDER.get(inst.kind, 2)):
            category = cats[rng.choice(len(cats), p=weights)]
            product = make_product(rng, geo, inst, len(products) + 1, category, first_day, last_day)
            stop = inst.suspended_day or inst.exited_day
            if stop is not None:
                product.delisted_day = stop  # withdrawn from the shelf the day the lender stops
            elif rng.random() < 0.08:
                product.delisted_day = product.listed_day + int(rng.integers(60, 500))
            if product.delisted_day is not None and product.delisted_day <= product.listed_day:
                product.delisted_day = product.listed_day + 1
            products.append(product)
    products.extend(_retired_non_compliant(rng, geo, insts, len(products), first_day))
    return products


def _retired_non_compliant(rng, geo, insts, count: int, first_day: int) -> list[Product]:
    """Two products of forbidden categories, already delisted before the range: history, not a violation."""
    banks = [i for i in insts if i.kind == "国有大型商业银行"]
    out = []
    for n, category in enumerate(["个人消费贷款", "理财产品"]):
        inst = banks[n % len(banks)]
        product = make_product(rng, geo, inst, count + n + 1, "信用贷款", first_day, first_day)
        product.category, product.targets = category, "个人"
        product.name = f"{inst.short}{'消费e贷' if n == 0 else '稳盈理财'}"
        product.listed_day = min(product.listed_day, first_day - 400)
        product.delisted_day = first_day - int(rng.integers(30, 200))
        out.append(product)
    return out
