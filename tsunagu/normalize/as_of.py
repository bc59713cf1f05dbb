"""「データ時点」: the day a table describes, which is not the day it was published.

Departments print it in the title row above the header
(「柏市AED設置場所一覧（令和6年4月1日現在）」, 「2024年3月31日時点」) or say it in the
manifest (``data_as_of:``). Both are read with the same 和暦/western rules as cell values
(:func:`tsunagu.normalize.wareki.to_iso_date`), so 令和元年, R6.4.1 and full-width digits work
here too and an out-of-era day is refused, not moved.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from tsunagu.normalize.wareki import ERAS, to_iso_date
from tsunagu.normalize.width import to_halfwidth_ascii

_ERA_TOKENS = "|".join(re.escape(t) for era in ERAS for t in (era.name, era.letter, era.symbol))
_DAY = (
    rf"(?:(?:{_ERA_TOKENS})\s*(?:元|\d{{1,2}})\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日"
    r"|\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
    rf"|(?:(?:{_ERA_TOKENS})\s*(?:元|\d{{1,2}})|\d{{4}})\s*(?P<sep>[./-])\s*\d{{1,2}}\s*(?P=sep)\s*\d{{1,2}})"
)
# The day right before 現在/時点 (「…（令和6年4月1日現在）」, 「2024/4/1 時点」); a date elsewhere
# in a title (an opening day, a deadline) says nothing about the data.
_AS_OF = re.compile(rf"(?P<day>{_DAY})\s*(?:[(（][月火水木金土日]曜?日?[)）])?\s*(?:現在|時点)")


def parse_day(text: str) -> date | None:
    """A day written as departments write dates (ISO, western or 和暦); None if it names none."""
    result = to_iso_date(text)
    if result.value is None or result.problem_code is not None:
        return None
    return date.fromisoformat(result.value)


def as_of_in_title(text: str) -> date | None:
    """The day a title says its data is as of (「…令和6年4月1日現在」 → 2024-04-01), or None."""
    match = _AS_OF.search(to_halfwidth_ascii(text).upper())
    return parse_day(match["day"]) if match else None


def as_of_in_titles(texts: Iterable[str]) -> date | None:
    """The first title row that states a day (the title block is read top down)."""
    for text in texts:
        found = as_of_in_title(text)
        if found is not None:
            return found
    return None
