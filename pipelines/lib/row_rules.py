"""The row rules of feeds.md, generated as DuckDB SQL from a data contract.

A landed table holds one VARCHAR column per contract column, exactly as delivered, plus provenance
(`_file_name`, `_business_date`, `_row_number`). `checked_select` turns it into one row per landed
row with `_rule` (the first rule the row breaks, NULL when it passes), `_detail` (why, Chinese then
English), the typed and trimmed columns, the masked forms of personal information, and
`_raw_record` (the row as delivered, as JSON, personal information masked).

Rules are tried in contract order, each column's "required" before its format, so a row is
quarantined under exactly one rule and the same row always gets the same rule.
"""

from __future__ import annotations

from pipelines.lib import pii
from pipelines.lib.contracts import Column, Contract
from pipelines.lib.divisions import all_codes, county_codes
from pipelines.lib.uscc_sql import uscc_valid_sql

# feeds.md Clarification 9: amounts are `-?[0-9]+(\.[0-9]{1,2})?`, rates `[0-9]+(\.[0-9]{1,3})?`.
AMOUNT_PATTERN = r"^-?[0-9]+(\.[0-9]{1,2})?$"
RATE_PATTERN = r"^[0-9]+(\.[0-9]{1,3})?$"
INTEGER_PATTERN = r"^[0-9]{1,9}$"
# feeds.md common rules: `YYYY-MM-DD HH:MM:SS` (no zone) or ISO 8601 with `+08:00`.
TIMESTAMP_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}:[0-9]{2}|T[0-9]{2}:[0-9]{2}:[0-9]{2}\+08:00)$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
RAW_VALUE_LIMIT = 1000  # characters of one field kept in a quarantined raw_record


def q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _in_list(expr: str, values: list[str] | tuple[str, ...]) -> str:
    return f"{expr} IN ({', '.join(lit(v) for v in values)})"


def trimmed(col: str) -> str:
    """feeds.md Clarification 8: whitespace around cells is stripped before any rule; blank is NULL.
    Few cells have any: matching is cheaper than replacing, so only those that do are rewritten."""
    v = q(col)
    return (f"NULLIF(CASE WHEN regexp_matches({v}, '^[\\s\u3000]|[\\s\u3000]$') "
            f"THEN regexp_replace({v}, '^[\\s\u3000]+|[\\s\u3000]+$', '', 'g') ELSE {v} END, '')")


def typed(column: Column, v: str) -> str:
    """The typed value of a column that passed its rules."""
    t = column.physical_type
    if column.check == "timestamp":
        return f"try_strptime(left(replace({v}, 'T', ' '), 19), '%Y-%m-%d %H:%M:%S')"
    if column.check == "date":
        return f"try_strptime({v}, '%Y-%m-%d')::DATE"
    if t.upper() == "VARCHAR":
        return v
    if t.upper() == "BOOLEAN":
        return f"try_cast({v} AS BOOLEAN)"
    return f"try_cast({v} AS {t})"


def _shown(column: Column, v: str) -> str:
    """A value as it may appear in a quarantine detail: masked if personal, cut if long."""
    if column.pii:
        return pii.mask_sql(column.pii, v)
    return f"left({v}, 60)"


def _format_failure(column: Column, v: str) -> list[tuple[str, str, str]]:
    """(condition on a non-NULL value, rule, detail) for the column's own format rules."""
    name = column.name
    rule = column.rule
    shown = _shown(column, v)
    out: list[tuple[str, str, str]] = []
    if column.max_length and column.check in ("text", "pattern", "enum"):
        out.append((
            f"length({v}) > {column.max_length}",
            "field_too_long",
            f"'{name} 超长（' || length({v}) || ' 字符，上限 {column.max_length}） / {name} too long'",
        ))
    check = column.check
    if check == "enum":
        out.append((
            f"NOT {_in_list(v, column.valid_values)}",
            rule or f"enum_{name}",
            f"'{name} 取值不在约定列表中：' || {shown} || ' / {name} not in its list'",
        ))
    elif check == "enumList":
        sep = column.separator or "、"
        values = ", ".join(lit(x) for x in column.valid_values)
        out.append((
            f"NOT list_bool_and(list_transform(string_split({v}, {lit(sep)}), lambda x: trim(x) IN ({values})))",
            rule or f"enum_{name}",
            f"'{name} 含约定列表以外的取值：' || {shown} || ' / {name} has a value outside its list'",
        ))
    elif check == "pattern":
        out.append((
            f"NOT regexp_full_match({v}, {lit(column.pattern.strip('^$'))})",
            rule or f"{name}_format",
            f"'{name} 格式不符：' || {shown} || ' / {name} malformed'",
        ))
    elif check == "uscc":
        out.append((
            f"NOT ({uscc_valid_sql(v)})",
            rule or "uscc_checksum",
            f"'统一社会信用代码校验失败：' || {shown} || ' / USCC fails GB 32100-2015 check'",
        ))
    elif check == "county":
        out.append((
            f"NOT {_in_list(v, county_codes())}",
            rule or "county_unknown",
            f"'{name} 不是山西省现行县级区划代码：' || {shown} || ' / not a current Shanxi county-level code'",
        ))
    elif check == "division":
        out.append((
            f"NOT {_in_list(v, all_codes())}",
            rule or "division_unknown",
            f"'{name} 不是山西省现行区划代码：' || {shown} || ' / not a current Shanxi division code'",
        ))
    elif check == "regions":
        codes = ", ".join(lit(x) for x in all_codes())
        out.append((
            f"NOT ({v} = '全省' OR list_bool_and(list_transform(string_split({v}, ';'), lambda x: trim(x) IN ({codes}))))",
            rule or "region_unknown",
            f"'{name} 含未知地区：' || {shown} || ' / unknown region'",
        ))
    elif check == "timestamp":
        out.append((
            f"NOT regexp_full_match({v}, {lit(TIMESTAMP_PATTERN.strip('^$'))}) OR {typed(column, v)} IS NULL",
            rule or "timestamp_unparseable",
            f"'{name} 时间无法解析：' || {shown} || ' / {name} in neither agreed time format'",
        ))
    elif check == "date":
        out.append((
            f"NOT regexp_full_match({v}, {lit(DATE_PATTERN.strip('^$'))}) OR {typed(column, v)} IS NULL",
            rule or "date_unparseable",
            f"'{name} 日期无法解析：' || {shown} || ' / {name} is not a YYYY-MM-DD date'",
        ))
    elif check == "amount":
        out.append((
            f"NOT regexp_full_match({v}, {lit(AMOUNT_PATTERN.strip('^$'))}) OR {typed(column, v)} IS NULL",
            "amount_format",
            f"'{name} 不是规范的十进制数：' || {shown} || ' / {name} is not a plain decimal'",
        ))
        out.append((
            f"{typed(column, v)} < 0",
            "amount_negative",
            f"'{name} 为负数：' || {shown} || ' / {name} is negative'",
        ))
    elif check in ("rate", "integer"):
        pattern = RATE_PATTERN if check == "rate" else INTEGER_PATTERN
        out.append((
            f"NOT regexp_full_match({v}, {lit(pattern.strip('^$'))}) OR {typed(column, v)} IS NULL",
            rule or f"{name}_format",
            f"'{name} 不是规范的数值：' || {shown} || ' / {name} is not a plain number'",
        ))
    return out


def _required_condition(column: Column, values: dict[str, str]) -> str | None:
    if column.required:
        return "TRUE"
    parts = []
    if column.required_on:
        parts.append(_in_list(values["event_type"], column.required_on))
    for other, value in column.required_when:
        parts.append(f"{values[other]} = {lit(value)}")
    return " OR ".join(parts) if parts else None


def trimmed_name(column: Column) -> str:
    return q(f"__v_{column.name}")


def rule_cases(contract: Contract) -> list[tuple[str, str, str]]:
    """Every (condition, rule, detail) of the contract, in the order they are tried, over the trimmed
    values (`__v_<column>`, computed once per row by `checked_select`)."""
    values = {c.name: trimmed_name(c) for c in contract.columns}
    cases: list[tuple[str, str, str]] = []
    for column in contract.columns:
        if column.check == "lenient":
            continue
        v = values[column.name]
        required = _required_condition(column, values)
        if required:
            cases.append((
                f"{v} IS NULL AND ({required})",
                "required_missing",
                f"'必填字段缺失：{column.name} / required field missing: {column.name}'",
            ))
        for cond, rule, detail in _format_failure(column, v):
            cases.append((f"{v} IS NOT NULL AND ({cond})", rule, detail))
    return cases


def raw_record_sql(contract: Contract) -> str:
    """The row as delivered, as JSON text, personal information masked, long fields cut."""
    parts = []
    for c in contract.columns:
        col = q(c.name)
        value = pii.mask_sql(c.pii, col) if c.pii else (
            f"CASE WHEN length({col}) > {RAW_VALUE_LIMIT} THEN left({col}, {RAW_VALUE_LIMIT}) "
            f"|| '…(截断/truncated, ' || length({col}) || ')' ELSE {col} END"
        )
        parts.append(f"{lit(c.header)}, {value}")
    return f"json_object({', '.join(parts)})::VARCHAR"


# Rules a reader gives a row it could not even split into fields, with their details.
MALFORMED_DETAIL = {
    "csv_malformed": "字段数与表头不符 / wrong number of fields",
    "json_invalid": "不是有效的 JSON 对象 / not a JSON object",
    "file_rejected": "所在文件被拒收，见 audit.ingest_files / the file was refused, see audit.ingest_files",
}


def checked_select(contract: Contract, landed: str, provenance: str = "_file_name, _business_date, _row_number"
                   ) -> str:
    """SELECT over a landed table: its `provenance` columns, `_rule`, `_detail`, typed columns, masked PII,
    `_raw_record`, `_record_key`. A row its reader already marked `_malformed` keeps that rule.

    The rule chain is evaluated once, as the number of the first rule broken; details and the raw record
    are only built for the few rows that broke one."""
    cases = rule_cases(contract)
    rule_no = ("CASE " + " ".join(f"WHEN {c} THEN {i}" for i, (c, _, _) in enumerate(cases, 1)) + " END"
               if cases else "NULL::INTEGER")
    rules = "([" + ", ".join(lit(r) for _, r, _ in cases) + "])" if cases else "(NULL::VARCHAR[])"
    details = " ".join(f"WHEN {i} THEN {d}" for i, (_, _, d) in enumerate(cases, 1))
    malformed = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in MALFORMED_DETAIL.items())
    sheet = f"'[{contract.sheet}] ' || " if contract.sheet else ""
    typed_cols = []
    for c in contract.columns:
        v = trimmed_name(c)
        typed_cols.append(f"{typed(c, v)} AS {q(c.name)}")
        if c.pii:
            typed_cols.append(f"{pii.mask_sql(c.pii, v)} AS {q(c.name + '_masked')}")
            if c.pii == "phone":
                typed_cols.append(f"{pii.hash_sql(v)} AS {q(c.name + '_hash')}")
    trims = ", ".join(f"{trimmed(c.name)} AS {trimmed_name(c)}" for c in contract.columns)
    judged = (f"SELECT *, CASE WHEN _malformed IS NULL THEN {rule_no} END AS _rule_no "
              f"FROM (SELECT *, {trims} FROM {landed})")
    return (
        f"SELECT {provenance}, "
        f"coalesce(_malformed, {rules}[_rule_no]) AS _rule, "
        f"CASE WHEN _malformed IS NOT NULL THEN {sheet}(CASE _malformed {malformed} END) "
        f"WHEN _rule_no IS NOT NULL THEN {sheet}(CASE _rule_no {details} END) END AS _detail, "
        f"{', '.join(typed_cols)}, "
        f"CASE WHEN _malformed IS NOT NULL OR _rule_no IS NOT NULL "
        f"THEN coalesce(left(_raw, {RAW_VALUE_LIMIT * 2}), {raw_record_sql(contract)}) END AS _raw_record, "
        f"{q(contract.record_key)} AS _record_key FROM ({judged})"
    )
