"""Which product a demand chooses and which institution takes it, consistent with the register.

A product is drawn per demand among those listed that month, serving its county and its kind of
business, with the lender's weight times the business's fit (sample_province.fit): one Gumbel-max draw
over a demands × products matrix, in chunks. General demands draw a lender per (month, county) group.
"""

from __future__ import annotations

import numpy as np

from loancode.divisions import PROVINCE_CODE
from sample_province import fit
from sample_province.geography import Geography
from sample_province.institutions import Institution
from sample_province.products import Product

# An institution must stay onboarded this long after the month of a demand to be offered it, so that
# its answers and loans fall inside its own active period.
ACTIVE_MARGIN_DAYS = 45
CHUNK_ROWS = 20_000  # demands per Gumbel-max matrix (rows × products doubles)


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
        self.guarantor_ids = np.array([g.institution_id for g in self.guarantors])
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

        self.product_facts = {
            "category": fit.category_index([p.category for p in self.products]),
            "min_wan": np.array([p.min_wan for p in self.products]),
            "max_wan": np.array([p.max_wan for p in self.products]),
            "tax_rank": fit.tax_rank([p.tax_grade for p in self.products]),
            "min_years": np.array([p.min_years for p in self.products]),
            "local": np.array([p.regions != "全省" for p in self.products]),
        }

    def products_for(self, rng, month: np.ndarray, county: np.ndarray, individual: np.ndarray,
                     affinity) -> np.ndarray:
        """Index into self.products per demand, or -1 when no listed product fits. `affinity(rows)` gives
        the rows × products log-weights of fit (sample_province.fit.choice_affinity) of those demands."""
        out = np.full(len(month), -1, dtype=np.int64)
        log_weight = np.log(np.maximum(self.product_weight, 1e-12))
        for lo in range(0, len(month), CHUNK_ROWS):
            rows = np.arange(lo, min(lo + CHUNK_ROWS, len(month)))
            ok = (self.product_active[:, month[rows]] & self.product_covers[:, county[rows]]
                  & self.product_serves[:, individual[rows].astype(np.int64)]).T
            ok &= self.product_weight[None, :] > 0
            gumbel = -np.log(-np.log(rng.random(ok.shape)))
            keys = np.where(ok, log_weight[None, :] + affinity(rows) + gumbel, -np.inf)
            pick = np.argmax(keys, axis=1)
            out[rows] = np.where(ok.any(axis=1), pick, -1)
        return out

    def lenders_for(self, rng, month: np.ndarray, county: np.ndarray) -> np.ndarray:
        """Index into self.lenders per general demand: an active lender serving the county."""
        keys = month * self.n_counties + county

        def weights(key: int) -> np.ndarray:
            m, c = divmod(key, self.n_counties)
            ok = self.lender_active[:, m] & self.lender_covers[:, c]
            return np.where(ok, self.lender_weight, 0.0)

        return _grouped_choice(rng, keys, weights)

    def guarantors_for(self, rng, county: np.ndarray) -> np.ndarray:
        """A guarantee body per row (index into `guarantor_ids`): one of the county's city when there is one."""
        city_of = np.array([g.division_code[:4] for g in self.guarantors])
        county_city = np.array([c[:4] for c in self.geo.county_codes])[county]
        pick = rng.integers(0, len(city_of), len(county))
        for n, prefix in enumerate(city_of):
            pick[county_city == prefix] = n
        return pick
