"""Who is looking: the viewer's scope, passed into every query.

A viewer sees either the whole province (`province`) or one city (its 6-digit code). A city office
sees its own city and that city's counties only: never the province totals, never another city's
rows, never province-wide breakdowns (institution, product category, entity type, industry).

Until sign-in exists, the scope comes from Streamlit's session state (key ``viewer_scope``) or the
``LOANCODE_VIEWER_SCOPE`` environment variable (default ``province``).
"""

from __future__ import annotations

from dataclasses import dataclass

from loancode import config
from loancode.divisions import CITY_NAMES, PROVINCE_CODE, PROVINCE_NAME, city_of

# The province and its 11 cities come from the divisions seed (one list for the loaders, dbt and here).
CITY_CODES: tuple[str, ...] = tuple(CITY_NAMES)

SCOPE_SESSION_KEY = "viewer_scope"

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
    """The person looking at the dashboard. ``scope`` is ``"province"`` or a 6-digit city code."""

    scope: str = "province"

    def __post_init__(self) -> None:
        if self.scope != "province" and self.scope not in CITY_NAMES:
            raise InvalidScope(
                f"查看范围无效：{self.scope!r}（应为 province 或 11 个地市代码之一，如 140100）"
            )

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
    # Sign-in will replace this; until then the env var is the deployment's knob.
    return Viewer.parse(config.viewer_scope())


def current_viewer(session_state: object | None = None) -> Viewer:
    """The viewer of this session: session state ``viewer_scope`` first, else the env var."""
    raw = None
    if session_state is not None:
        try:
            raw = session_state.get(SCOPE_SESSION_KEY)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - no session outside a Streamlit run
            raw = None
    return Viewer.parse(raw) if raw else viewer_from_env()
