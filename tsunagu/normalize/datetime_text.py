"""Western dates, times and datetimes as departments write them → ISO 8601.

2024/4/1, 2024年4月1日, 2024.4.1, 20240401 → 2024-04-01; 9時30分, ９：００, 午後1時30分 → 13:30.
Each function answers with a small result record instead of raising, so the caller can count
conversions and report impossible values (2月30日) at the right row. Text that is not a date at
all gets ``kind=None`` and is left for the validator. 和暦 lives in :mod:`tsunagu.normalize.wareki`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from tsunagu.normalize.width import normalize_dashes, to_halfwidth_ascii

DATE_INVALID = "date-invalid"
TIME_INVALID = "time-invalid"


@dataclass(frozen=True)
class DateResult:
    """``value`` is the ISO text (None when impossible or unrecognised); ``kind`` says which
    notation was recognised (``"iso"``, ``"western"``, ``"wareki"``, ``"datetime"``) or None;
    ``problem_code`` names what is wrong with a recognised value."""

    value: str | None
    kind: str | None
    problem_code: str | None = None


# An optional weekday after the date: 2024年4月1日(月), 2024/4/1（月曜日）.
WEEKDAY = r"(?:\s*\(\s*[月火水木金土日](?:曜日?)?\s*\))?"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_WESTERN_DATE = re.compile(
    r"(?P<y>\d{4})\s*(?:年\s*(?P<m1>\d{1,2})\s*月\s*(?P<d1>\d{1,2})\s*日"
    r"|(?P<sep>[-/.])\s*(?P<m2>\d{1,2})\s*(?P=sep)\s*(?P<d2>\d{1,2}))" + WEEKDAY
)
_COMPACT_DATE = re.compile(r"(?P<y>(?:18|19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})")

_CLOCK = re.compile(r"(?P<h>\d{1,2})\s*:\s*(?P<m>\d{2})(?:\s*:\s*(?P<s>\d{2}))?")
_KANJI_TIME = re.compile(r"(?P<h>\d{1,2})\s*時\s*(?:(?P<m>\d{1,2})\s*分|(?P<half>半))?")
_AM_PM = r"(?P<ap>午前|午後|AM|PM|A\.M\.|P\.M\.)"
_MERIDIEM_BEFORE = re.compile(_AM_PM + r"\s*(?P<rest>.+)", re.IGNORECASE)
_MERIDIEM_AFTER = re.compile(r"(?P<rest>.+?)\s*" + _AM_PM, re.IGNORECASE)
_DATETIME_SPLIT = re.compile(
    r"(?P<date>.+?)(?:\s+|T|(?<=日))(?P<time>(?:午前|午後)?\s*\d{1,2}\s*[:時].*)"
)


def _prepare(text: str) -> str:
    return normalize_dashes(to_halfwidth_ascii(text)).strip()


def make_iso_date(year: int, month: int, day: int, kind: str) -> DateResult:
    """The ISO date, or ``date-invalid`` when the calendar has no such day (2月30日, 13月)."""
    try:
        return DateResult(date(year, month, day).isoformat(), kind)
    except ValueError:
        return DateResult(None, kind, DATE_INVALID)


def to_iso_western_date(text: str) -> DateResult:
    """2024/4/1, 2024-4-1, 2024.4.1, 2024年4月1日, 20240401 → ``2024-04-01``.

    Eight bare digits count as a date only for years 1800–2099, so codes such as 12345678 stay
    text.
    """
    s = _prepare(text)
    if _ISO_DATE.fullmatch(s):
        result = make_iso_date(int(s[:4]), int(s[5:7]), int(s[8:]), "iso")
        return result
    if match := _WESTERN_DATE.fullmatch(s):
        month = match["m1"] or match["m2"]
        day = match["d1"] or match["d2"]
        return make_iso_date(int(match["y"]), int(month), int(day), "western")
    if match := _COMPACT_DATE.fullmatch(s):
        return make_iso_date(int(match["y"]), int(match["m"]), int(match["d"]), "western")
    return DateResult(None, None)


def _meridiem(text: str) -> tuple[str | None, str]:
    """Split 午前/午後/AM/PM off either end: ("pm", "1時30分")."""
    for pattern in (_MERIDIEM_BEFORE, _MERIDIEM_AFTER):
        if match := pattern.fullmatch(text):
            ap = match["ap"].upper().replace(".", "")
            return ("am" if ap in ("午前", "AM") else "pm"), match["rest"].strip()
    return None, text


def _clock(text: str) -> tuple[int, int] | None:
    if match := _CLOCK.fullmatch(text):
        if match["s"] not in (None, "00"):
            return None  # seconds would be lost in HH:MM; leave it for the validator
        return int(match["h"]), int(match["m"])
    if match := _KANJI_TIME.fullmatch(text):
        minute = 30 if match["half"] else int(match["m"] or 0)
        return int(match["h"]), minute
    return None


def _apply_meridiem(hour: int, meridiem: str | None) -> int | None:
    """午前12時 is midnight and 午後0時/午後12時 is noon, as in Japanese usage."""
    if meridiem is None:
        return hour
    if hour > 12:
        return None
    if meridiem == "am":
        return 0 if hour == 12 else hour
    return 12 if hour == 12 else hour + 12


def to_hhmm(text: str) -> DateResult:
    """9:00, 9時, 9時30分, 9時半, ９：００, 午前9時, 午後1時30分, 1:30 PM, 正午 → ``HH:MM`` (24h).

    ``24:00`` is kept: closing times are written that way and the validator decides. An hour or
    minute out of range gives ``time-invalid``.
    """
    s = _prepare(text)
    if s == "正午":
        return DateResult("12:00", "time")
    meridiem, rest = _meridiem(s)
    clock = _clock(rest)
    if clock is None:
        return DateResult(None, None)
    hour = _apply_meridiem(clock[0], meridiem)
    minute = clock[1]
    if hour is None or minute > 59 or hour > 24 or (hour == 24 and minute):
        return DateResult(None, "time", TIME_INVALID)
    return DateResult(f"{hour:02d}:{minute:02d}", "time")


def to_iso_datetime(
    text: str, parse_date: Callable[[str], DateResult] = to_iso_western_date
) -> DateResult:
    """2024/4/1 9:00, 2024年4月1日9時30分 → ``2024-04-01T09:00:00``.

    ``parse_date`` lets :mod:`~tsunagu.normalize.values` pass the 和暦-aware parser without this
    module importing it. A date with no time is not a datetime and stays unrecognised.
    """
    s = _prepare(text)
    match = _DATETIME_SPLIT.fullmatch(s)
    if match is None:
        return DateResult(None, None)
    day = parse_date(match["date"])
    clock = to_hhmm(match["time"])
    if day.kind is None or clock.kind is None:
        return DateResult(None, None)
    problem = day.problem_code or clock.problem_code
    if problem:
        return DateResult(None, "datetime", problem)
    kind = "iso" if s == f"{day.value}T{clock.value}:00" else "datetime"
    return DateResult(f"{day.value}T{clock.value}:00", kind)
