"""和暦 (令和/平成/昭和/大正/明治) → ISO dates, with the era boundaries checked.

Departments write 令和6年4月1日, 令和元年5月1日, R6.4.1, R6/4/1, H31.4.30, ｓ６４．１．７ and
㍻31年4月30日. A date that names an era on a day the era did not cover (平成31年5月1日,
昭和64年1月8日) is not silently moved to the next era: it is reported as ``wareki-out-of-era``,
because it usually means a typo in the year.

Era first days (Gregorian), from the 元号を改める政令 of each era:
令和 2019-05-01, 平成 1989-01-08, 昭和 1926-12-25, 大正 1912-07-30.
明治: the 改元の詔 of 明治元年9月8日 (1868-10-23) applied 明治 from 慶応4年1月1日, i.e.
1868-01-25 (Gregorian), which is the start used here. Japan kept the lunisolar calendar until
明治5年12月2日 (the next day was 明治6年1月1日 = 1873-01-01), so a 明治1–5 date is converted
digit for digit and flagged ``wareki-lunar-calendar``: its true Gregorian day is 3–7 weeks later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from tsunagu.normalize.datetime_text import (
    WEEKDAY,
    DateResult,
    make_iso_date,
    to_iso_western_date,
)
from tsunagu.normalize.width import normalize_dashes, to_halfwidth_ascii

WAREKI_OUT_OF_ERA = "wareki-out-of-era"
WAREKI_LUNAR_CALENDAR = "wareki-lunar-calendar"
SOLAR_CALENDAR_START = date(1873, 1, 1)


@dataclass(frozen=True)
class Era:
    name: str
    letter: str
    symbol: str  # the single-character 機種依存文字 form, e.g. ㍻
    start: date
    end: date | None  # last day, inclusive


ERAS = (
    Era("令和", "R", "㋿", date(2019, 5, 1), None),
    Era("平成", "H", "㍻", date(1989, 1, 8), date(2019, 4, 30)),
    Era("昭和", "S", "㍼", date(1926, 12, 25), date(1989, 1, 7)),
    Era("大正", "T", "㍽", date(1912, 7, 30), date(1926, 12, 24)),
    Era("明治", "M", "㍾", date(1868, 1, 25), date(1912, 7, 29)),
)
_BY_TOKEN = {token: era for era in ERAS for token in (era.name, era.letter, era.symbol)}

_ERA = "(?P<era>" + "|".join(re.escape(t) for t in _BY_TOKEN) + ")"
_KANJI = re.compile(
    _ERA + r"\s*(?P<y>元|\d{1,2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日" + WEEKDAY
)
_DOTTED = re.compile(
    _ERA
    + r"\s*(?P<y>元|\d{1,2})\s*(?P<sep>[-/.])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<d>\d{1,2})"
    + WEEKDAY
)


def _prepare(text: str) -> str:
    return normalize_dashes(to_halfwidth_ascii(text)).strip().upper()


def _match(text: str) -> re.Match[str] | None:
    s = _prepare(text)
    return _KANJI.fullmatch(s) or _DOTTED.fullmatch(s)


def _convert(match: re.Match[str]) -> DateResult:
    era = _BY_TOKEN[match["era"]]
    year = 1 if match["y"] == "元" else int(match["y"])
    if year == 0:
        return DateResult(None, "wareki", "date-invalid")
    result = make_iso_date(era.start.year + year - 1, int(match["m"]), int(match["d"]), "wareki")
    if result.value is None:
        return result
    day = date.fromisoformat(result.value)
    if day < SOLAR_CALENDAR_START:
        # Before 明治6年 the written date is lunisolar: any 明治1–5 day exists, none maps 1:1.
        return DateResult(result.value, "wareki", WAREKI_LUNAR_CALENDAR)
    if day < era.start or (era.end is not None and day > era.end):
        return DateResult(None, "wareki", WAREKI_OUT_OF_ERA)
    return result


def parse_wareki(text: str) -> date | None:
    """The day a 和暦 text names, or None if it is not 和暦 or not a real day of that era."""
    match = _match(text)
    if match is None:
        return None
    result = _convert(match)
    if result.value is None or result.problem_code == WAREKI_LUNAR_CALENDAR:
        return None
    return date.fromisoformat(result.value)


def to_iso_date(text: str) -> DateResult:
    """Any date a department writes (和暦 or western) → ISO ``YYYY-MM-DD``, as a DateResult.

    ``kind`` is ``"wareki"``, ``"western"``, ``"iso"`` (already standard) or None (not a date);
    ``problem_code`` is ``wareki-out-of-era``, ``date-invalid`` or ``wareki-lunar-calendar``.
    """
    match = _match(text)
    if match is not None:
        return _convert(match)
    return to_iso_western_date(text)


def format_wareki(day: date) -> str:
    """A day in 和暦 as Japanese pages print it: 2024-04-01 → 令和6年4月1日, 2019-05-01 →
    令和元年5月1日.

    The reverse of :func:`to_iso_date` for days since 明治6年 (the solar calendar); an earlier
    day has no faithful 和暦 form here and is written in the western calendar.
    """
    for era in ERAS:
        if day >= era.start and day >= SOLAR_CALENDAR_START:
            year = day.year - era.start.year + 1
            return f"{era.name}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"
