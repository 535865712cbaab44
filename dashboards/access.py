"""Who may do what: the one table of pages → roles, and the capabilities the query/action layer checks.

Navigation (`app.py`), the page guard, the query/action layer (`Viewer.require`) and the test of
docs/access.md all read these two tables. Adding a page with its roles is one line in ``PAGES``.

Roles (``loancode.users.ROLES``): ``province`` sees everything; ``city`` one city (its own city and its
counties, the rule in ``dashboards/scope.py``); ``steward`` data quality, ingest and the workflow
actions; ``analyst`` the SQL console and the de-identified dashboards.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from loancode.divisions import CITY_NAMES
from loancode.users import ROLES

ALL = frozenset(ROLES)
PROVINCE, CITY, STEWARD, ANALYST = (frozenset({r}) for r in ("province", "city", "steward", "analyst"))


@dataclass(frozen=True)
class PageSpec:
    key: str  # the URL path
    script: str  # relative to dashboards/
    title: str
    icon: str
    section: str
    roles: frozenset[str]


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview", "app_pages/overview.py", "总览", ":material/monitoring:", "指标", PROVINCE | CITY | ANALYST),
    PageSpec("city", "app_pages/city.py", "城市", ":material/location_city:", "指标", PROVINCE | CITY | ANALYST),
    PageSpec("institution", "app_pages/institution.py", "机构", ":material/account_balance:", "指标",
             PROVINCE | ANALYST),
    PageSpec("products", "app_pages/products.py", "产品", ":material/inventory_2:", "指标", PROVINCE | CITY | ANALYST),
    PageSpec("promotion", "app_pages/promotion.py", "推广", ":material/campaign:", "指标", PROVINCE | CITY | ANALYST),
    PageSpec("reports", "app_pages/reports.py", "报表中心", ":material/description:", "报表", PROVINCE | CITY | ANALYST),
    PageSpec("ingest", "app_pages/ingest.py", "数据接入", ":material/input:", "运维", PROVINCE | STEWARD),
    PageSpec("quality", "app_pages/quality.py", "数据质量", ":material/rule:", "运维", PROVINCE | STEWARD),
    PageSpec("sql", "app_pages/sql.py", "SQL 查询", ":material/terminal:", "分析", PROVINCE | ANALYST),
    PageSpec("audit", "app_pages/audit.py", "审计日志", ":material/policy:", "管理", PROVINCE),
)

# What the query/action layer checks (``Viewer.require``), each with the roles that hold it and the
# Chinese name used in a refusal. Downloads and actions are rows of docs/access.md as well.
CAPABILITIES: Mapping[str, tuple[frozenset[str], str]] = {
    "indicators": (PROVINCE | CITY | ANALYST, "指标看板"),
    "ingest": (PROVINCE | STEWARD, "数据接入记录"),
    "quality": (PROVINCE | STEWARD, "数据质量告警"),
    "workflow": (PROVINCE | STEWARD, "告警处理（确认、解决、重新打开）"),
    "report_download": (PROVINCE | CITY | ANALYST, "城市月报下载"),
    "bulletin_download": (PROVINCE, "工作通报下载"),
    "sql": (PROVINCE | ANALYST, "SQL 查询"),
    "sql_download": (PROVINCE | ANALYST, "SQL 结果下载"),
    "audit": (PROVINCE, "审计日志"),
    "audit_download": (PROVINCE, "审计日志下载"),
}


def page(key: str) -> PageSpec | None:
    return next((p for p in PAGES if p.key == key), None)


def pages_for(role: str) -> list[PageSpec]:
    return [p for p in PAGES if role in p.roles]


def may(role: str, capability: str) -> bool:
    return role in CAPABILITIES[capability][0]


def refusal(role: str, capability: str) -> str | None:
    """The Chinese refusal for using ``capability`` with ``role``, or None when the role holds it."""
    if may(role, capability):
        return None
    return f"当前角色（{ROLES.get(role, role)}）无权使用{CAPABILITIES[capability][1]}。"


def page_refusal(role: str, spec: PageSpec) -> str | None:
    """The Chinese refusal for opening ``spec`` with ``role``, or None when the role may open it."""
    if role in spec.roles:
        return None
    return f"当前角色（{ROLES.get(role, role)}）无权访问“{spec.title}”页面。"


DIVISION = re.compile(r"^14\d{4}$")  # a Shanxi division code: the province, a city or a county


def division_refusal(scope: str, params: Mapping[str, object]) -> str | None:
    """A city office may name no other division in a URL or filter: a query parameter whose value is
    a Shanxi division code outside its own city (another city, another city's county, the province
    code itself) is refused with a Chinese message. Province-wide roles may name any."""
    if scope == "province":
        return None
    own = CITY_NAMES.get(scope, scope)
    for key, value in params.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            text = str(item).strip()
            if DIVISION.match(text) and text[:4] != scope[:4]:
                other = CITY_NAMES.get(text) or ("全省" if text == "140000" else f"区县 {text}")
                return f"当前查看范围为{own}，无权查看{other}的数据（链接参数 {key}={text}）。"
    return None
