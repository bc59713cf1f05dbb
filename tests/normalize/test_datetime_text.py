"""Western dates, times and datetimes → ISO."""

from __future__ import annotations

import pytest

from tsunagu.normalize.datetime_text import (
    DateResult,
    to_hhmm,
    to_iso_datetime,
    to_iso_western_date,
)
from tsunagu.normalize.wareki import to_iso_date


@pytest.mark.parametrize(
    "text",
    [
        "2024/4/1",
        "2024/04/01",
        "2024年4月1日",
        "2024 年 4 月 1 日",
        "2024.4.1",
        "2024-4-1",
        "20240401",
        "２０２４／４／１",
        "2024年4月1日(月)",
        "2024/4/1（月曜日）",
    ],
)
def test_western_dates_to_iso(text):
    assert to_iso_western_date(text) == DateResult("2024-04-01", "western")


def test_iso_date_is_recognised_unchanged():
    assert to_iso_western_date("2024-04-01") == DateResult("2024-04-01", "iso")


@pytest.mark.parametrize("text", ["2024/2/30", "2023年2月29日", "2024/13/1", "2024-02-30"])
def test_impossible_western_dates(text):
    assert to_iso_western_date(text).problem_code == "date-invalid"
    assert to_iso_western_date(text).value is None


def test_leap_day_is_valid():
    assert to_iso_western_date("2024年2月29日").value == "2024-02-29"


@pytest.mark.parametrize("text", ["12345678", "2024/4", "未定", "2024/4/1/2", "R6.4.1"])
def test_not_a_western_date(text):
    assert to_iso_western_date(text) == DateResult(None, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9:00", "09:00"),
        ("09:00", "09:00"),
        ("9:00:00", "09:00"),
        ("9時", "09:00"),
        ("9時30分", "09:30"),
        ("9時半", "09:30"),
        ("９：００", "09:00"),
        ("１７時１５分", "17:15"),
        ("午前9時", "09:00"),
        ("午後1時30分", "13:30"),
        ("午後 1:30", "13:30"),
        ("1:30 PM", "13:30"),
        ("午前12時", "00:00"),
        ("午後12時", "12:00"),
        ("正午", "12:00"),
        ("24:00", "24:00"),
    ],
)
def test_times_to_hhmm(text, expected):
    assert to_hhmm(text) == DateResult(expected, "time")


@pytest.mark.parametrize("text", ["25:00", "9:75", "午後13時", "24:30"])
def test_impossible_times(text):
    assert to_hhmm(text) == DateResult(None, "time", "time-invalid")


@pytest.mark.parametrize("text", ["9:00:30", "終日", "9-17", ""])
def test_not_a_time(text):
    assert to_hhmm(text) == DateResult(None, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024/4/1 9:00", "2024-04-01T09:00:00"),
        ("2024年4月1日9時30分", "2024-04-01T09:30:00"),
        ("2024年4月1日 午後1時", "2024-04-01T13:00:00"),
        ("２０２４－０４－０１　１３：３０", "2024-04-01T13:30:00"),
    ],
)
def test_datetimes_to_iso(text, expected):
    assert to_iso_datetime(text) == DateResult(expected, "datetime")


def test_iso_datetime_is_recognised_unchanged():
    assert to_iso_datetime("2024-04-01T09:00:00") == DateResult("2024-04-01T09:00:00", "iso")


def test_datetime_with_wareki_date_parser():
    result = to_iso_datetime("令和6年4月1日 9:00", parse_date=to_iso_date)
    assert result == DateResult("2024-04-01T09:00:00", "datetime")


def test_datetime_with_impossible_date_or_time():
    assert to_iso_datetime("2024/2/30 9:00").problem_code == "date-invalid"
    assert to_iso_datetime("2024/2/1 25:00").problem_code == "time-invalid"


def test_date_alone_is_not_a_datetime():
    assert to_iso_datetime("2024/4/1") == DateResult(None, None)
