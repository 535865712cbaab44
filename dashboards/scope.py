"""Who is looking: the signed-in user's role and scope, passed into every query and action.

A viewer sees either the whole province (`province`) or one city (its 6-digit code). A city office
sees its own city and that city's counties only: never the province totals, never another city's
rows, never province-wide breakdowns (institution, product category, entity type, industry).

The role (``province``, ``city``, ``steward``, ``analyst``) decides what the viewer may use at all
(``dashboards/access.py``); the query/action layer checks both with ``Viewer.require`` and the
``check_*`` methods. In the served app the viewer is the signed-in user's (``dashboards/auth.py``),
never an environment variable; only the report CLI takes a scope from ``LOANCODE_VIEWER_SCOPE``.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboards import access
from loancode import config
from loancode.divisions import CITY_NAMES, PROVINCE_CODE, PROVINCE_NAME, city_of

# The province and its 11 cities come from the divisions seed (one list for the loaders, dbt and here).
CITY_CODES: tuple[str, ...] = tuple(CITY_NAMES)

# Grains only the province scope may read: their members aggregate over every city.
PROVINCE_ONLY_GRAINS = frozenset(
    {"province", "institution", "product_category", "entity_type", "industry", "issuer_type"}
)


class ScopeError(PermissionError):
    """The viewer asked for rows outside their scope. The message is for the user (Chinese)."""


class InvalidScope(ValueError):
    """The configured scope is neither `province` nor one of the 11 city codes."""


@dataclass(frozen=True)
class Viewer:
    """The person looking at the dashboard. ``scope`` is ``"province"`` or a 6-digit city code;
    ``role`` defaults to ``city`` for a city scope and ``province`` otherwise; ``username`` is who
    acts (workflow actions, the audit log)."""

    scope: str = "province"
    role: str = ""
    username: str = ""

    def __post_init__(self) -> None:
        if self.scope != "province" and self.scope not in CITY_NAMES:
            raise InvalidScope(
                f"查看范围无效：{self.scope!r}（应为 province 或 11 个地市代码之一，如 140100）"
            )
        if not self.role:
            object.__setattr__(self, "role", "province" if self.scope == "province" else "city")
        if self.role not in access.ALL or (self.role == "city") != (self.scope != "province"):
            raise InvalidScope(f"角色与查看范围不符：{self.role!r} / {self.scope!r}")

    def require(self, capability: str) -> None:
        """Raise ScopeError unless the viewer's role holds ``capability`` (dashboards/access.py)."""
        refused = access.refusal(self.role, capability)
        if refused:
            raise ScopeError(refused)

    @classmethod
    def parse(cls, raw: str | None) -> Viewer:
        value = (raw or "province").strip().lower()
        if value in {"province", PROVINCE_CODE, "全省"}:
            return cls("province")
        return cls(value)

    @property
    def is_province(self) -> bool:
        return self.scope == "province"

    @property
    def city_code(self) -> str | None:
        return None if self.is_province else self.scope

    @property
    def home(self) -> tuple[str, str]:
        """(grain, grain_key) of the viewer's own area."""
        return ("province", PROVINCE_CODE) if self.is_province else ("city", self.scope)

    @property
    def label(self) -> str:
        return "全省" if self.is_province else CITY_NAMES[self.scope]

    @property
    def area_name(self) -> str:
        return PROVINCE_NAME if self.is_province else CITY_NAMES[self.scope]

    def can_see_city(self, city_code: str) -> bool:
        return self.is_province or city_code == self.scope

    def check_city(self, city_code: str) -> None:
        if not self.can_see_city(city_code):
            other = CITY_NAMES.get(city_code, city_code)
            raise ScopeError(f"当前查看范围为{self.label}，无权查看{other}的数据。")

    def check_county(self, county_code: str) -> None:
        if not self.is_province and city_of(county_code) != self.scope:
            raise ScopeError(f"当前查看范围为{self.label}，无权查看区县 {county_code} 的数据。")

    def check_grain(self, grain: str) -> None:
        if not self.is_province and grain in PROVINCE_ONLY_GRAINS:
            what = "全省汇总" if grain == "province" else f"按{GRAIN_LABELS.get(grain, grain)}的全省分组"
            raise ScopeError(f"当前查看范围为{self.label}，{what}数据仅对全省用户开放。")


GRAIN_LABELS = {
    "province": "全省",
    "city": "地市",
    "county": "区县",
    "institution": "机构",
    "product_category": "产品类别",
    "entity_type": "主体类型",
    "industry": "行业",
    "issuer_type": "发码主体类型",
}


def viewer_from_env() -> Viewer:
    """The report CLI's viewer (``LOANCODE_VIEWER_SCOPE``, default province). Never the served app's."""
    return Viewer.parse(config.report_scope())
