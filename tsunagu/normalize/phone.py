"""Japanese phone numbers → the standard's hyphenated national form (04-7167-1111).

Where the hyphens go depends on the length of each 市外局番, which only a numbering-plan table
knows; ``phonenumbers`` (libphonenumber's metadata) has it, so the grouping is never guessed here.
Extensions (内線) are not part of the number: they come back separately so the caller can put them
in the standard's 内線番号 column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

from tsunagu.normalize.width import normalize_dashes, to_halfwidth_ascii

PHONE_INVALID = "phone-invalid"
PHONE_AREA_CODE_MISSING = "phone-area-code-missing"

_EXTENSION = re.compile(
    r"[\s(]*(?:内線|内|ext\.?|x)\s*[:.]?\s*(?P<ext>\d{1,6})\s*\)?\s*$", re.IGNORECASE
)
# "(代表)" marks the main line; the standard has no room for it and it is not part of the number.
_MAIN_LINE = re.compile(r"\s*\(\s*代表\s*\)\s*$")
_LOCAL_ONLY = re.compile(r"[1-9]\d{1,3}-?\d{4}")  # 市内局番 + 加入者番号, no 0


@dataclass(frozen=True)
class PhoneResult:
    """``value`` is the standard form, or the input unchanged when ``problem_code`` is set."""

    value: str
    extension: str | None = None
    problem_code: str | None = None


def split_extension(text: str) -> tuple[str, str | None]:
    """``04-7167-1111 内線234`` → (``04-7167-1111``, ``234``)."""
    match = _EXTENSION.search(text)
    if match is None:
        return text, None
    return text[: match.start()].strip(), match["ext"]


def normalize_phone(text: str) -> PhoneResult:
    """Full-width digits, no hyphens, 04(7167)1111, spaces, +81 → 04-7167-1111.

    An empty cell stays empty. A number written without its 市外局番 (7167-1111) gets
    ``phone-area-code-missing``; anything else that is not a valid Japanese number gets
    ``phone-invalid``. In both cases the text comes back unchanged.
    """
    s = normalize_dashes(to_halfwidth_ascii(text)).strip()
    if not s:
        return PhoneResult(text)
    number_text, extension = split_extension(_MAIN_LINE.sub("", s))
    if extension is None and _PLAIN_DIGITS.fullmatch(number_text):
        return _by_prefix(number_text, text)
    return _parse(number_text, extension, text)


# A number written as bare digits (0471671111) is grouped, and judged valid, by its leading
# digits alone: libphonenumber's Japanese patterns constrain at most the first six digits of
# the national number and end in free ``\d{4,}``. So one parse per (prefix, length) serves a
# column of 1M distinct numbers (42 s → well under 1 s per 100k, issue 17); the test
# tests/normalize/test_phone.py compares it with a parse of every number on random input.
_PLAIN_DIGITS = re.compile(r"0\d{9,10}")
PREFIX_DIGITS = 7  # "0" + six digits of the national number
_GROUPING: dict[tuple[str, int], tuple[int, ...] | str] = {}


def plain_grouping(digits: str) -> tuple[int, ...] | str | None:
    """How every bare-digit number with ``digits``' prefix and length is written: the sizes of
    its groups, the problem code all of them share, or None when ``digits`` must be judged
    alone. Learnt from ``digits`` the first time the prefix is seen."""
    key = (digits[:PREFIX_DIGITS], len(digits))
    grouping = _GROUPING.get(key)
    if grouping is None:
        parsed = _parse(digits, None, digits)
        if parsed.problem_code is not None:
            grouping = parsed.problem_code
        else:
            parts = parsed.value.split("-")
            if "".join(parts) != digits or parsed.extension:
                return None  # not a plain regrouping: never generalise it
            grouping = tuple(len(p) for p in parts)
        _GROUPING[key] = grouping
    return grouping


def _by_prefix(digits: str, text: str) -> PhoneResult:
    grouping = plain_grouping(digits)
    if grouping is None:
        return _parse(digits, None, text)
    if isinstance(grouping, str):
        return PhoneResult(text, None, grouping)
    parts, at = [], 0
    for size in grouping:
        parts.append(digits[at : at + size])
        at += size
    return PhoneResult("-".join(parts))


def _parse(number_text: str, extension: str | None, text: str) -> PhoneResult:
    """libphonenumber's verdict on one number (the slow path: ~0.4 ms a number)."""
    try:
        number = phonenumbers.parse(number_text, "JP")
    except phonenumbers.NumberParseException:
        return PhoneResult(text, None, PHONE_INVALID)
    if not phonenumbers.is_valid_number(number) or number.country_code != 81:
        code = PHONE_AREA_CODE_MISSING if _LOCAL_ONLY.fullmatch(number_text) else PHONE_INVALID
        return PhoneResult(text, None, code)
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return PhoneResult(formatted, extension or number.extension)


def tel_uri(text: str) -> str | None:
    """04-7167-1111 内線234 → ``tel:+81-4-7167-1111;ext=234`` (RFC 3966: a ``tel:`` link needs the
    global form, since a national number means nothing without its country); None if invalid."""
    s = normalize_dashes(to_halfwidth_ascii(text)).strip()
    number_text, extension = split_extension(_MAIN_LINE.sub("", s))
    try:
        number = phonenumbers.parse(number_text, "JP")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if extension:
        number.extension = extension
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.RFC3966)
