"""和暦 → ISO, with every era boundary checked on both sides."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tsunagu.normalize.datetime_text import DateResult
from tsunagu.normalize.wareki import parse_wareki, to_iso_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和6年4月1日", "2024-04-01"),
        ("令和元年5月1日", "2019-05-01"),
        ("令和 6 年 4 月 1 日", "2024-04-01"),
        ("令和６年４月１日", "2024-04-01"),
        ("令和06年04月01日", "2024-04-01"),
        ("令和6年4月1日(月)", "2024-04-01"),
        ("R6.4.1", "2024-04-01"),
        ("R6/4/1", "2024-04-01"),
        ("R06-04-01", "2024-04-01"),
        ("r6.4.1", "2024-04-01"),
        ("Ｒ６．４．１", "2024-04-01"),
        ("㋿6年4月1日", "2024-04-01"),
        ("H31/4/30", "2019-04-30"),
        ("H31.4.30", "2019-04-30"),
        ("平成31年4月30日", "2019-04-30"),
        ("平成元年1月8日", "1989-01-08"),
        ("H元.1.8", "1989-01-08"),
        ("㍻元年1月8日", "1989-01-08"),
        ("S64.1.7", "1989-01-07"),
        ("昭和元年12月25日", "1926-12-25"),
        ("大正15年12月24日", "1926-12-24"),
        ("大正元年7月30日", "1912-07-30"),
        ("明治45年7月29日", "1912-07-29"),
        ("明治6年1月1日", "1873-01-01"),
    ],
)
def test_wareki_to_iso(text, expected):
    assert to_iso_date(text) == DateResult(expected, "wareki")
    assert parse_wareki(text) == date.fromisoformat(expected)


@pytest.mark.parametrize(
    "text",
    [
        "平成31年5月1日",  # 令和元年5月1日
        "令和元年4月30日",  # 平成31年4月30日
        "昭和64年1月8日",  # 平成元年1月8日
        "平成元年1月7日",  # 昭和64年1月7日
        "昭和元年12月24日",  # 大正15年12月24日
        "大正15年12月25日",  # 昭和元年12月25日
        "大正元年7月29日",  # 明治45年7月29日
        "明治45年7月30日",  # 大正元年7月30日
        "H32.1.1",
    ],
)
def test_days_outside_their_era(text):
    assert to_iso_date(text) == DateResult(None, "wareki", "wareki-out-of-era")
    assert parse_wareki(text) is None


@pytest.mark.parametrize("text", ["令和0年4月1日", "R0.4.1", "令和6年2月30日", "平成5年13月1日"])
def test_impossible_wareki_dates(text):
    assert to_iso_date(text) == DateResult(None, "wareki", "date-invalid")
    assert parse_wareki(text) is None


def test_leap_day_in_wareki():
    assert to_iso_date("令和6年2月29日").value == "2024-02-29"
    assert to_iso_date("令和5年2月29日").problem_code == "date-invalid"


def test_meiji_before_the_solar_calendar_is_flagged():
    result = to_iso_date("明治元年9月8日")
    assert result == DateResult("1868-09-08", "wareki", "wareki-lunar-calendar")
    assert parse_wareki("明治5年12月2日") is None


@pytest.mark.parametrize("text", ["2024/4/1", "2024年4月1日", "20240401"])
def test_western_forms_go_through_datetime_text(text):
    assert to_iso_date(text) == DateResult("2024-04-01", "western")
    assert parse_wareki(text) is None


@pytest.mark.parametrize("text", ["令和6年度", "令和6年4月", "R6", "平成", "", "毎週月曜日"])
def test_not_a_date(text):
    assert to_iso_date(text) == DateResult(None, None)


def _as_wareki(day: date, style: str) -> str:
    """Write ``day`` the way a department would, independently of the parser's era table."""
    starts = [
        ("令和", "R", date(2019, 5, 1)),
        ("平成", "H", date(1989, 1, 8)),
        ("昭和", "S", date(1926, 12, 25)),
        ("大正", "T", date(1912, 7, 30)),
        ("明治", "M", date(1868, 1, 25)),
    ]
    name, letter, start = next(e for e in starts if day >= e[2])
    year = day.year - start.year + 1
    if style == "kanji":
        return f"{name}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return f"{letter}{year}.{day.month}.{day.day}"


@given(
    day=st.dates(min_value=date(1873, 1, 1), max_value=date(2099, 12, 31)),
    style=st.sampled_from(["kanji", "dotted"]),
)
def test_any_solar_calendar_day_round_trips(day, style):
    assert to_iso_date(_as_wareki(day, style)) == DateResult(day.isoformat(), "wareki")
