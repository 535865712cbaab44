"""Display formatting: 万元/亿元, percent, counts, deltas."""

from __future__ import annotations

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # whether or not tests/ is a package
import warehouse_fixture  # noqa: F401 - puts the project root on sys.path

from dashboards import format as fmt


def test_amount_below_one_yi_stays_in_wan():
    assert fmt.amount_wan(1234.5) == "1,234.50 万元"
    assert fmt.amount_wan(9999.994) == "9,999.99 万元"
    assert fmt.amount_wan(0) == "0.00 万元"


def test_amount_from_ten_thousand_wan_is_yi_with_two_decimals():
    assert fmt.amount_wan(10000) == "1.00 亿元"
    assert fmt.amount_wan(180180.0) == "18.02 亿元"
    assert fmt.amount_wan(1_234_567.0) == "123.46 亿元"
    assert fmt.amount_wan(-25000) == "-2.50 亿元"


def test_missing_values_are_a_dash():
    for v in (None, float("nan"), math.nan):
        assert fmt.amount_wan(v) == "—"
        assert fmt.count(v, "笔") == "—"
        assert fmt.percent(v) == "—"
        assert fmt.indicator_value(v, "小时") == "—"


def test_counts_percent_hours():
    assert fmt.count(1234567, "笔") == "1,234,567 笔"
    assert fmt.count(12.6) == "13"
    assert fmt.percent(95.2) == "95.20%"
    assert fmt.hours(20.26) == "20.3 小时"
    assert fmt.indicator_value(3.456, "%") == "3.46%"
    assert fmt.indicator_value(12, "家") == "12 家"
    assert fmt.indicator_value(25000, "万元") == "2.50 亿元"


def test_deltas():
    assert fmt.delta(12.345) == "+12.3%"
    assert fmt.delta(-4) == "-4.0%"
    assert fmt.delta(0.01) == "0.0%"
    assert fmt.delta(None) is None
    assert fmt.metric_delta(5, -3) == ("+5.0%", "环比 · 同比 -3.0%")
    assert fmt.metric_delta(None, 7) == ("+7.0%", "同比")
    assert fmt.metric_delta(2, None) == ("+2.0%", "环比")
    assert fmt.metric_delta(None, None) == (None, None)
    assert fmt.metric_delta(0.0, 12) == (0, "环比持平 · 同比 +12.0%")  # grey, no arrow


def test_amount_scale_and_labels():
    assert fmt.amount_scale(5000) == (1.0, "万元")
    assert fmt.amount_scale(50000) == (10000.0, "亿元")
    assert fmt.period_label("2025-03") == "2025年3月"
    assert fmt.status_label("rejected") == "已拒绝"
    assert fmt.status_label("loaded_with_quarantine") == "部分隔离"
    assert "background-color" in fmt.status_css("已拒绝")
    assert fmt.status_css("其他") == ""


def test_changes_and_what_moved_them_in_words():
    assert fmt.change_text(3.24, "%") == "+3.2 个百分点"
    assert fmt.change_text(-0.456, "%") == "-0.46 个百分点"
    assert fmt.change_text(-12, "笔") == "-12 笔"
    assert fmt.change_text(1234.5, "万元") == "+1,234.50 万元"
    assert fmt.change_text(25000, "万元") == "+2.50 亿元"
    assert fmt.change_text(None, "笔") == "—"
    moved = [("太原市", 3.2), ("大同市", 1.1), ("阳泉市", -0.4), ("晋中市", 0.5), ("运城市", 0.2)]
    # only the contributors moving the way of the change, at most three, in the mart's rank order
    assert fmt.attribution_words(moved, 4.6, "%") == "主要来自太原市（+3.2 个百分点）、大同市（+1.1 个百分点）、晋中市（+0.50 个百分点）"
    assert fmt.attribution_words([("大同市", -3), ("太原市", 2)], -1, "笔") == "主要来自大同市（-3 笔）"
    assert fmt.attribution_words(moved, 0, "%") is None
    assert fmt.attribution_words([("太原市", 1e-15)], 2, "笔") is None  # rounding noise names nobody
