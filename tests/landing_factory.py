"""Hand-made deliveries for loader tests: write exactly the bytes a test needs into a landing zone."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl

APPLICATION_COLUMNS = [
    "event_id", "application_id", "event_type", "event_time", "uscc", "enterprise_name", "legal_rep_name",
    "contact_phone", "county_code", "industry_code", "qr_code_id", "product_id", "institution_id",
    "amount_yuan", "term_months", "annual_rate_pct", "guarantee_type", "guarantor_id", "first_loan", "reason",
]
AUTHORIZATION_COLUMNS = ["authorization_id", "uscc", "institution_id", "scope", "granted_at", "expires_at",
                         "revoked_at"]
INSTITUTION_HEADERS = ["机构编码", "机构名称", "机构类型", "上级机构编码", "所在地区代码", "入驻状态", "审核通过日期",
                       "协议签署日期", "协议到期日期"]
PRODUCT_HEADERS = ["产品编码", "机构编码", "产品名称", "产品类别", "服务对象", "最低额度(万元)", "最高额度(万元)",
                   "最长期限(月)", "利率下限(%)", "利率上限(%)", "担保方式", "适用地区", "最低经营年限(年)",
                   "纳税信用要求", "上架状态", "上架日期", "下架日期"]

USCC = "911400007011347302"  # 晋商银行, a real code with a valid check character


def valid_uscc(prefix17: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(alphabet.index(ch) * w for ch, w in zip(prefix17, weights, strict=True))
    return prefix17 + alphabet[(31 - total % 31) % 31]


USCC_OTHER = valid_uscc("92140105MA0K1234X")


def submitted(event_id="E1", application_id="A1", **overrides) -> dict:
    row = {
        "event_id": event_id, "application_id": application_id, "event_type": "submitted",
        "event_time": "2025-03-03 09:00:00", "uscc": USCC, "enterprise_name": "太原市晋阳商贸有限公司",
        "legal_rep_name": "张三", "contact_phone": "13812341234", "county_code": "140105",
        "industry_code": "F5212", "qr_code_id": "QR-140105-BANK-0001", "product_id": "P001",
        "institution_id": "", "amount_yuan": "500000.00", "term_months": "12", "annual_rate_pct": "",
        "guarantee_type": "", "guarantor_id": "", "first_loan": "", "reason": "",
    }
    row.update(overrides)
    return row


def event(event_type: str, event_id: str, application_id="A1", time="2025-03-03 10:00:00", **overrides) -> dict:
    row = dict.fromkeys(APPLICATION_COLUMNS, "")
    row.update(event_id=event_id, application_id=application_id, event_type=event_type, event_time=time, uscc=USCC)
    if event_type in ("accepted", "approved", "rejected", "disbursed"):
        row["institution_id"] = "B001"
    if event_type == "approved":
        row.update(amount_yuan="400000", term_months="12", annual_rate_pct="3.85", guarantee_type="信用")
    if event_type == "disbursed":
        row.update(amount_yuan="400000", annual_rate_pct="3.85", guarantee_type="信用", first_loan="Y")
    if event_type in ("rejected", "withdrawn"):
        row["reason"] = "资料不全"
    row.update(overrides)
    return row


def csv_text(rows: list[dict], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_bytes(landing: Path, feed: str, name: str, data: bytes) -> Path:
    path = landing / feed / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def write_applications(landing: Path, day: str, rows: list[dict], encoding="utf-8",
                       columns: list[str] | None = None) -> Path:
    text = csv_text(rows, columns or APPLICATION_COLUMNS)
    return write_bytes(landing, "applications", f"applications_{day}.csv", text.encode(encoding))


def write_authorizations(landing: Path, day: str, rows: list[dict], encoding="utf-8") -> Path:
    return write_bytes(landing, "authorizations", f"authorizations_{day}.csv",
                       csv_text(rows, AUTHORIZATION_COLUMNS).encode(encoding))


def write_credit_reports(landing: Path, day: str, lines: list, bom: bool = False) -> Path:
    text = "\n".join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in lines) + "\n"
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    return write_bytes(landing, "credit_reports", f"credit_reports_{day}.jsonl", data)


def institution(code="B001", **overrides) -> dict:
    row = dict(zip(INSTITUTION_HEADERS, [code, "晋商银行太原分行", "城市商业银行", "", "140100", "已入驻",
                                         "2024-01-05", "2024-01-10", "2027-01-09"], strict=True))
    row.update(overrides)
    return row


def product(code="P001", institution_code="B001", **overrides) -> dict:
    row = dict(zip(PRODUCT_HEADERS, [code, institution_code, "晋商经营贷", "信用贷款", "小微企业、个体工商户", 10, 300,
                                     36, 3.45, 5.2, "信用", "全省", 1, "B", "上架", "2024-02-01", None], strict=True))
    row.update(overrides)
    return row


def write_register(landing: Path, day: str, institutions: list[dict], products: list[dict] | None,
                   title_row: bool = False) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "机构"
    if title_row:
        sheet.append(["三晋贷款码 机构名录"])
    sheet.append(INSTITUTION_HEADERS)
    for r in institutions:
        sheet.append([r.get(h) for h in INSTITUTION_HEADERS])
    if products is not None:
        ps = book.create_sheet("产品")
        ps.append(PRODUCT_HEADERS)
        for r in products:
            ps.append([r.get(h) for h in PRODUCT_HEADERS])
    path = landing / "register" / f"register_{day}.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
