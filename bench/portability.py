"""What in the dbt project's SQL is DuckDB's own: the constructs another engine (Spark SQL on Databricks through
dbt-databricks, the likely next step, see docs/scale-out.md) would not run as written, found by scanning
models, macros and tests. `python -m bench.portability` prints the list as a Markdown table (construct,
models using it, what Spark SQL has instead); `make bench` stores it under `portability`.

Left out because Spark SQL 3.x runs them as written: aggregate FILTER (WHERE …), IS [NOT] DISTINCT FROM,
try_cast, any_value / bool_and / bool_or, greatest / least (both skip NULLs), CTEs and window functions.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

DBT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"

# (construct, pattern, what Spark SQL / Databricks offers instead)
CONSTRUCTS = [
    ("arg_min_null / arg_min / arg_max", r"\barg_(min|max)(_null)?\s*\(", "min_by / max_by (NULLs: filter first)"),
    ("QUALIFY", r"\bqualify\b", "supported on Databricks; elsewhere a subquery over row_number()"),
    ("GROUP BY ALL", r"group\s+by\s+all\b", "supported on Databricks (DBR 12.2+); Spark OSS: list the keys"),
    ("UNION ALL BY NAME", r"union\s+all\s+by\s+name", "unionByName in DataFrames; in SQL, select the columns in order"),
    ("SELECT * EXCLUDE / REPLACE, COLUMNS(…)", r"\bexclude\s*\(|\breplace\s*\(\s*\w+.*\bas\b|\bcolumns\s*\(",
     "Databricks: SELECT * EXCEPT (…); COLUMNS(): list the columns (a dbt macro)"),
    ("lambdas, list_* functions", r"\blambda\b|\blist_\w+\s*\(", "transform / filter / aggregate higher-order functions"),
    ("string_split / unnest", r"\bstring_split\s*\(|\bunnest\s*\(", "split / explode"),
    ("range() / generate_series() as a table", r"\brange\s*\(|\bgenerate_series\s*\(", "sequence() + explode"),
    ("strftime / strptime / try_strptime", r"\b(try_)?str[fp]time\s*\(", "date_format / to_timestamp with a pattern"),
    ("date_diff / datediff('part', …)", r"\bdate_?diff\s*\(", "datediff(end, start) in days, timestampdiff(unit, …)"),
    ("last_day / isodow / make_date", r"\blast_day\s*\(|\bisodow\s*\(|\bmake_date\s*\(", "last_day / dayofweek / make_date (exist, other argument order)"),
    ("INTERVAL arithmetic", r"\binterval\b", "INTERVAL literals exist; month arithmetic via add_months"),
    ("::type casts", r"::\s*[a-z]", "CAST(… AS …)"),
    ("regexp_full_match / regexp_matches", r"\bregexp_(full_match|matches)\s*\(", "rlike with ^…$"),
    ("string_agg", r"\bstring_agg\s*\(", "array_join(collect_list(…)) (string_agg from Spark 4.0)"),
    ("sha256 / md5 / hash", r"\b(sha256|md5|hash)\s*\(", "sha2(x, 256) / md5 / xxhash64 (hash values differ)"),
    ("JSON functions", r"\bto_json\s*\(|\bjson_\w+\s*\(", "to_json / get_json_object"),
]


def scan(root: Path = DBT_DIR) -> list[dict]:
    files = sorted(p for folder in ("models", "macros", "tests") for p in (root / folder).rglob("*.sql"))
    texts = {p: re.sub(r"--[^\n]*", "", p.read_text(encoding="utf-8")).lower() for p in files}
    found = []
    for name, pattern, instead in CONSTRUCTS:
        users = [p.stem for p, text in texts.items() if re.search(pattern, text)]
        if users:
            found.append({"construct": name, "files": len(users), "where": users, "instead": instead})
    return found


def markdown(found: list[dict]) -> str:
    lines = ["| DuckDB construct | models/macros/tests | Spark SQL (dbt-databricks) instead |", "| --- | --- | --- |"]
    for f in found:
        lines.append(f"| {f['construct']} | {f['files']}: {', '.join(f['where'])} | {f['instead']} |")
    return "\n".join(lines)


def run(scale: str) -> dict:
    found = scan()
    return {"constructs": len(found), "found": found}


if __name__ == "__main__":
    print(markdown(scan()))
    sys.exit(0)
