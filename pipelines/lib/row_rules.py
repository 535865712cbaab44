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

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import duckdb
from duckdb.sqltypes import BOOLEAN, VARCHAR

from loancode import pii
from loancode.contracts import Column, Contract
from loancode.divisions import all_codes, county_codes
from loancode import uscc

# feeds.md Clarification 9: amounts are `-?[0-9]+(\.[0-9]{1,2})?`, rates `[0-9]+(\.[0-9]{1,3})?`.
AMOUNT_PATTERN = r"^-?[0-9]+(\.[0-9]{1,2})?$"
RATE_PATTERN = r"^[0-9]+(\.[0-9]{1,3})?$"
INTEGER_PATTERN = r"^[0-9]{1,9}$"
# feeds.md common rules: `YYYY-MM-DD HH:MM:SS` (no zone) or ISO 8601 with `+08:00`.
TIMESTAMP_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}:[0-9]{2}|T[0-9]{2}:[0-9]{2}:[0-9]{2}\+08:00)$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
RAW_VALUE_LIMIT = 1000  # characters of one field kept in a quarantined raw_record


def sql_identifier(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _in_list(expr: str, values: list[str] | tuple[str, ...]) -> str:
    return f"{expr} IN ({', '.join(sql_literal(item) for item in values)})"


def trimmed(col: str) -> str:
    """feeds.md Clarification 8: whitespace around cells is stripped before any rule; blank is NULL.
    Few cells have any: matching is cheaper than replacing, so only those that do are rewritten."""
    value = sql_identifier(col)
    return (f"NULLIF(CASE WHEN regexp_matches({value}, '^[\\s\u3000]|[\\s\u3000]$') "
            f"THEN regexp_replace({value}, '^[\\s\u3000]+|[\\s\u3000]+$', '', 'g') ELSE {value} END, '')")


def typed(column: Column, value: str) -> str:
    """The typed value of a column that passed its rules."""
    t = column.physical_type
    if column.check == "timestamp":
        return f"try_strptime(left(replace({value}, 'T', ' '), 19), '%Y-%m-%d %H:%M:%S')"
    if column.check == "date":
        return f"try_strptime({value}, '%Y-%m-%d')::DATE"
    if t.upper() == "VARCHAR":
        return value
    if t.upper() == "BOOLEAN":
        return f"try_cast({value} AS BOOLEAN)"
    return f"try_cast({value} AS {t})"


def parses(column: Column) -> bool:
    """Whether the column's typed value is more than its trimmed text (a time, date, number or flag)."""
    return typed(column, "v") != "v"


def parsed_name(column: Column) -> str:
    """The column's typed value, parsed once per row by `checked_select` for its rules and its typed column."""
    return sql_identifier(f"__t_{column.name}")


def parsed(column: Column, value: str) -> str:
    """The typed value of a column's trimmed `value`: the one parse of it, or the text itself."""
    return parsed_name(column) if parses(column) else value


def _shown(column: Column, value: str) -> str:
    """A value as it may appear in a quarantine detail: masked if personal, cut if long."""
    if column.pii:
        return pii.mask_sql(column.pii, value)
    return f"left({value}, 60)"


@dataclass(frozen=True)
class FormatRule:
    """One format rule of a column check. `broken(column, value)` is SQL that is TRUE when a non-NULL
    value breaks it; `rule` names it in the quarantine (`{name}` is the column, and a contract's own
    `rule` replaces it where `renamable`); `detail` says why, Chinese then English, with `{name}`,
    `{max_length}`, and `{shown}` / `{length}` for the value as shown and its length."""

    broken: Callable[[Column, str], str]
    rule: str
    detail: str
    renamable: bool = True


def _not_in(values: Callable[[Column], Sequence[str]]) -> Callable[[Column, str], str]:
    return lambda column, value: f"NOT {_in_list(value, values(column))}"


def _unparsed(pattern: str) -> Callable[[Column, str], str]:
    """Not of the agreed textual form, or of it but no real value (e.g. 2025-02-30)."""
    return lambda column, value: (f"NOT regexp_full_match({value}, {sql_literal(pattern.strip('^$'))}) "
                                  f"OR {parsed(column, value)} IS NULL")


def _list_outside(column: Column, value: str) -> str:
    allowed = ", ".join(sql_literal(x) for x in column.valid_values)
    separator = sql_literal(column.separator or "、")
    return f"NOT list_bool_and(list_transform(string_split({value}, {separator}), lambda x: trim(x) IN ({allowed})))"


def _regions_unknown(column: Column, value: str) -> str:
    codes = ", ".join(sql_literal(x) for x in all_codes())
    return (f"NOT ({value} = '全省' OR list_bool_and(list_transform(string_split({value}, ';'), "
            f"lambda x: trim(x) IN ({codes}))))")


# The USCC check character is one NumPy pass over each chunk of the column (`uscc.valid_array`): in SQL it
# took 17 look-ups per row, the most expensive rule of the applications (~0.6 s per 907k rows).
USCC_VALID = "uscc_valid"


TOO_LONG = FormatRule(lambda column, value: f"length({value}) > {column.max_length}", "field_too_long",
                      "{name} 超长（{length} 字符，上限 {max_length}） / {name} too long", renamable=False)
LENGTH_CHECKED = ("text", "pattern", "enum")

# The format rules of each `check` a contract column may name, tried in this order.
FORMAT_RULES: dict[str, tuple[FormatRule, ...]] = {
    "enum": (FormatRule(_not_in(lambda c: c.valid_values), "enum_{name}",
                        "{name} 取值不在约定列表中：{shown} / {name} not in its list"),),
    "enumList": (FormatRule(_list_outside, "enum_{name}",
                            "{name} 含约定列表以外的取值：{shown} / {name} has a value outside its list"),),
    "pattern": (FormatRule(lambda c, value: f"NOT regexp_full_match({value}, {sql_literal(c.pattern.strip('^$'))})",
                           "{name}_format", "{name} 格式不符：{shown} / {name} malformed"),),
    "uscc": (FormatRule(lambda c, value: f"NOT {USCC_VALID}({value})", "uscc_checksum",
                        "统一社会信用代码校验失败：{shown} / USCC fails GB 32100-2015 check"),),
    "county": (FormatRule(_not_in(lambda c: county_codes()), "county_unknown",
                          "{name} 不是山西省现行县级区划代码：{shown} / not a current Shanxi county-level code"),),
    "division": (FormatRule(_not_in(lambda c: all_codes()), "division_unknown",
                            "{name} 不是山西省现行区划代码：{shown} / not a current Shanxi division code"),),
    "regions": (FormatRule(_regions_unknown, "region_unknown", "{name} 含未知地区：{shown} / unknown region"),),
    "timestamp": (FormatRule(_unparsed(TIMESTAMP_PATTERN), "timestamp_unparseable",
                             "{name} 时间无法解析：{shown} / {name} in neither agreed time format"),),
    "date": (FormatRule(_unparsed(DATE_PATTERN), "date_unparseable",
                        "{name} 日期无法解析：{shown} / {name} is not a YYYY-MM-DD date"),),
    "amount": (
        FormatRule(_unparsed(AMOUNT_PATTERN), "amount_format",
                   "{name} 不是规范的十进制数：{shown} / {name} is not a plain decimal", renamable=False),
        FormatRule(lambda c, value: f"{parsed(c, value)} < 0", "amount_negative",
                   "{name} 为负数：{shown} / {name} is negative", renamable=False),
    ),
    "rate": (FormatRule(_unparsed(RATE_PATTERN), "{name}_format",
                        "{name} 不是规范的数值：{shown} / {name} is not a plain number"),),
    "integer": (FormatRule(_unparsed(INTEGER_PATTERN), "{name}_format",
                           "{name} 不是规范的数值：{shown} / {name} is not a plain number"),),
}


def register_rules(con: duckdb.DuckDBPyConnection) -> None:
    """Make the rules written in Python callable from the SQL of `checked_select` on this connection."""
    known = con.execute("SELECT count(*) FROM duckdb_functions() WHERE function_name = ?", [USCC_VALID]).fetchall()[0]
    if not known[0]:
        con.create_function(USCC_VALID, uscc.valid_array, [VARCHAR], BOOLEAN, type="arrow", side_effects=False)


def _detail_sql(template: str, column: Column, value: str) -> str:
    """The detail as a SQL string expression: the template's text, the value where it says `{shown}`."""
    pieces = {"shown": _shown(column, value), "length": f"length({value})"}
    text = template.replace("{name}", column.name).replace("{max_length}", str(column.max_length))
    parts = re.split(r"\{(shown|length)\}", text)
    return " || ".join(pieces[part] if i % 2 else sql_literal(part) for i, part in enumerate(parts) if part)


def _format_failures(column: Column, value: str) -> list[tuple[str, str, str]]:
    """(condition on a non-NULL value, rule, detail) for the column's own format rules."""
    rules = ((TOO_LONG,) if column.max_length and column.check in LENGTH_CHECKED else ())
    rules += FORMAT_RULES.get(column.check, ())
    return [(rule.broken(column, value),
             (column.rule if rule.renamable and column.rule else rule.rule.replace("{name}", column.name)),
             _detail_sql(rule.detail, column, value))
            for rule in rules]


def _required_condition(column: Column, values: dict[str, str]) -> str | None:
    if column.required:
        return "TRUE"
    parts = []
    if column.required_on:
        parts.append(_in_list(values["event_type"], column.required_on))
    for other, value in column.required_when:
        parts.append(f"{values[other]} = {sql_literal(value)}")
    return " OR ".join(parts) if parts else None


def trimmed_name(column: Column) -> str:
    return sql_identifier(f"__v_{column.name}")


def rule_cases(contract: Contract) -> list[tuple[str, str, str]]:
    """Every (condition, rule, detail) of the contract, in the order they are tried, over the trimmed
    values (`__v_<column>`) and typed values (`__t_<column>`), computed once per row by `checked_select`."""
    values = {c.name: trimmed_name(c) for c in contract.columns}
    cases: list[tuple[str, str, str]] = []
    for column in contract.columns:
        if column.check == "lenient":
            continue
        value = values[column.name]
        required = _required_condition(column, values)
        if required:
            cases.append((
                f"{value} IS NULL AND ({required})",
                "required_missing",
                f"'必填字段缺失：{column.name} / required field missing: {column.name}'",
            ))
        for broken, rule, detail in _format_failures(column, value):
            cases.append((f"{value} IS NOT NULL AND ({broken})", rule, detail))
    return cases


def raw_record_sql(contract: Contract) -> str:
    """The row as delivered, as JSON text, personal information masked, long fields cut."""
    parts = []
    for c in contract.columns:
        col = sql_identifier(c.name)
        value = pii.mask_sql(c.pii, col) if c.pii else (
            f"CASE WHEN length({col}) > {RAW_VALUE_LIMIT} THEN left({col}, {RAW_VALUE_LIMIT}) "
            f"|| '…(截断/truncated, ' || length({col}) || ')' ELSE {col} END"
        )
        parts.append(f"{sql_literal(c.header)}, {value}")
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
    rules = "([" + ", ".join(sql_literal(r) for _, r, _ in cases) + "])" if cases else "(NULL::VARCHAR[])"
    details = " ".join(f"WHEN {i} THEN {d}" for i, (_, _, d) in enumerate(cases, 1))
    malformed = " ".join(f"WHEN {sql_literal(rule)} THEN {sql_literal(detail)}" for rule, detail in MALFORMED_DETAIL.items())
    sheet = f"'[{contract.sheet}] ' || " if contract.sheet else ""
    typed_cols = []
    for c in contract.columns:
        value = trimmed_name(c)
        typed_cols.append(f"{parsed(c, value)} AS {sql_identifier(c.name)}")
        if c.pii:
            typed_cols.append(f"{pii.mask_sql(c.pii, value)} AS {sql_identifier(c.name + '_masked')}")
            if c.pii == "phone":
                typed_cols.append(f"{pii.hash_sql(value)} AS {sql_identifier(c.name + '_hash')}")
    trims = ", ".join(f"{trimmed(c.name)} AS {trimmed_name(c)}" for c in contract.columns)
    # each typed value is parsed once, for the rules that test it and for the typed column alike
    parses_once = "".join(f", {typed(c, trimmed_name(c))} AS {parsed_name(c)}" for c in contract.columns if parses(c))
    judged = (f"SELECT *, CASE WHEN _malformed IS NULL THEN {rule_no} END AS _rule_no "
              f"FROM (SELECT *{parses_once} FROM (SELECT *, {trims} FROM {landed}))")
    return (
        f"SELECT {provenance}, "
        f"coalesce(_malformed, {rules}[_rule_no]) AS _rule, "
        f"CASE WHEN _malformed IS NOT NULL THEN {sheet}(CASE _malformed {malformed} END) "
        f"WHEN _rule_no IS NOT NULL THEN {sheet}(CASE _rule_no {details} END) END AS _detail, "
        f"{', '.join(typed_cols)}, "
        f"CASE WHEN _malformed IS NOT NULL OR _rule_no IS NOT NULL "
        f"THEN coalesce(left(_raw, {RAW_VALUE_LIMIT * 2}), {raw_record_sql(contract)}) END AS _raw_record, "
        f"{sql_identifier(contract.record_key)} AS _record_key FROM ({judged})"
    )
