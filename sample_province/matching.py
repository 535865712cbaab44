"""Which product a demand chooses and which institution takes it, consistent with the register.

Choices are made per (month, county, entity kind) group, so the work is a few thousand small numpy
draws rather than one Python step per application.
"""

from __future__ import annotations

import numpy as np

from loancode.divisions import PROVINCE_CODE
from sample_province.geography import Geography
from sample_province.institutions import Institution
from sample_province.products import Product

# An institution must stay onboarded this long after the month of a demand to be offered it, so that
# its answers and loans fall inside its own active period.
ACTIVE_MARGIN_DAYS = 45


def _covers(code: str, geo: Geography) -> np.ndarray:
    if code == PROVINCE_CODE or code == "全省":
        return np.ones(len(geo.county_codes), dtype=bool)
    if code.endswith("00"):
        return np.char.startswith(geo.county_codes.astype(str), code[:4])
    return geo.county_codes == code


def region_mask(regions: str, geo: Geography) -> np.ndarray:
    mask = np.zeros(len(geo.county_codes), dtype=bool)
    for code in regions.split(";"):
        mask |= _covers(code, geo)
    return mask


def _grouped_choice(rng, keys: np.ndarray, weights_for_key) -> np.ndarray:
    """For each row, an index drawn with the weights of its key's group (-1 when none fit)."""
    out = np.full(len(keys), -1, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    uniques, starts = np.unique(keys[order], return_index=True)
    bounds = np.append(starts, len(keys))
    for key, lo, hi in zip(uniques, bounds[:-1], bounds[1:], strict=False):
        weights = weights_for_key(int(key))
        total = weights.sum()
        if total > 0:
            out[order[lo:hi]] = rng.choice(len(weights), size=hi - lo, p=weights / total)
    return out


class Matcher:
    def __init__(self, geo: Geography, insts: list[Institution], products: list[Product],
                 month_bounds: list[tuple[int, int]]):
        self.geo = geo
        self.lenders = [i for i in insts if i.lends and i.planted_rule is None and i.weight > 0]
        self.products = [p for p in products if p.planted_rule is None]
        self.guarantors = [i for i in insts if i.kind == "融资担保机构"]
        self.inst_index = {i.institution_id: n for n, i in enumerate(self.lenders)}
        self.n_counties = len(geo.county_codes)
        windows = [(first, last + ACTIVE_MARGIN_DAYS) for first, last in month_bounds]
        self.lender_active = np.array([[i.active_between(a, b) for a, b in windows] for i in self.lenders])
        self.lender_covers = np.array([_covers(i.division_code, geo) for i in self.lenders])
        self.lender_weight = np.array([i.weight for i in self.lenders])
        owner = [self.inst_index.get(p.institution_id, -1) for p in self.products]
        self.product_owner = np.array(owner)
        listed = np.array([[p.listed_day <= a and (p.delisted_day is None or p.delisted_day > b)
                            and p.category not in ("个人消费贷款", "理财产品") for a, b in windows]
                           for p in self.products])
        owner_active = np.array([self.lender_active[o] if o >= 0 else np.zeros(len(windows), bool) for o in owner])
        self.product_active = listed & owner_active
        self.product_covers = np.array([region_mask(p.regions, geo) for p in self.products])
        self.product_serves = np.array([[p.serves_companies, p.serves_individuals] for p in self.products])
        self.product_weight = self.lender_weight[np.maximum(self.product_owner, 0)]

    def products_for(self, rng, month: np.ndarray, county: np.ndarray, individual: np.ndarray) -> np.ndarray:
        """Index into self.products per demand, or -1 when no listed product fits."""
        keys = (month * self.n_counties + county) * 2 + individual.astype(np.int64)

        def weights(key: int) -> np.ndarray:
            kind, rest = key % 2, key // 2
            m, c = divmod(rest, self.n_counties)
            ok = self.product_active[:, m] & self.product_covers[:, c] & self.product_serves[:, kind]
            return np.where(ok, self.product_weight, 0.0)

        return _grouped_choice(rng, keys, weights)

    def lenders_for(self, rng, month: np.ndarray, county: np.ndarray) -> np.ndarray:
        """Index into self.lenders per general demand: an active lender serving the county."""
        keys = month * self.n_counties + county

        def weights(key: int) -> np.ndarray:
            m, c = divmod(key, self.n_counties)
            ok = self.lender_active[:, m] & self.lender_covers[:, c]
            return np.where(ok, self.lender_weight, 0.0)

        return _grouped_choice(rng, keys, weights)

    def guarantors_for(self, rng, county: np.ndarray) -> np.ndarray:
        """A guarantee body's id per row: one of the county's city when there is one."""
        ids = np.array([g.institution_id for g in self.guarantors])
        city_of = np.array([g.division_code[:4] for g in self.guarantors])
        county_city = np.array([c[:4] for c in self.geo.county_codes])[county]
        pick = rng.integers(0, len(ids), len(county))
        for n, prefix in enumerate(city_of):
            pick[county_city == prefix] = n
        return ids[pick]
