"""Patterns for personal data (個人情報), and their false-positive traps.

Rules from ``shared/quality/security-and-bad-inputs.md`` §2.5. Everything here works on text that
has been NFKC-normalized first (full-width １２３４ and ＠ are common), requires digit boundaries (a
naive 12-digit window finds a "valid My Number" inside 19% of 法人番号), and is meant to be
decided per column by :mod:`tsunagu.validators.checks.personal_data`, never per value.
"""

from __future__ import annotations

import re

import pandas as pd

from tsunagu.identifiers.check_digit import my_number_valid

# 12 digits, 4-4-4 with an optional space or hyphen, not part of a longer digit run.
MY_NUMBER = r"(?<![0-9])([0-9]{4})[ -]?([0-9]{4})[ -]?([0-9]{4})(?![0-9])"
MY_NUMBER_CELL = re.compile(r"^\s*" + MY_NUMBER + r"\s*$")
# YYYYMMDDhhmm: 13.7% of such timestamps pass the My Number check digit.
TIMESTAMP = re.compile(
    r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:[01]\d|2[0-3])[0-5]\d"
)
MY_NUMBER_HEADERS = ("個人番号", "マイナンバー", "mynumber", "my number", "my_number")

EMAIL = r"([A-Za-z0-9._%+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
# Personal webmail and mobile carriers. *.lg.jp and the city's role accounts are public.
PERSONAL_EMAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.co.jp", "ymail.ne.jp", "yahoo.com",
        "icloud.com", "me.com", "mac.com", "outlook.com", "outlook.jp", "hotmail.com",
        "hotmail.co.jp", "live.jp", "live.com", "msn.com", "docomo.ne.jp", "ezweb.ne.jp",
        "au.com", "softbank.ne.jp", "i.softbank.jp", "disney.ne.jp", "willcom.com",
    }
)  # fmt: skip
# Digit boundaries written without look-arounds, so pyarrow's RE2 can run them.
MOBILE = r"(?:^|[^0-9])0[789]0[-\s(]?[0-9]{4}[-\s)]?[0-9]{4}(?:[^0-9]|$)"
TWELVE_DIGITS = r"[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}"  # cheap prefilter before extracting

# Header keywords (substring), and headers that must match exactly because they are short.
PERSON_HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "name": ("氏名", "名前", "姓名", "フリガナ", "ふりがな",
             "世帯主", "保護者", "患者", "申請者", "届出者"),
    "birthdate": ("生年月日", "誕生日"),
    "age": ("年齢",),
}  # fmt: skip
PERSON_HEADER_EXACT: dict[str, str] = {
    "姓": "name", "名": "name", "name": "name", "first_name": "name", "last_name": "name",
    "full_name": "name", "生年": "birthdate", "birthday": "birthdate", "birth_date": "birthdate",
    "dob": "birthdate", "age": "age",
}  # fmt: skip
# Facility attributes that look like the above but are public by design.
PUBLIC_HEADER_WORDS = (
    "施設名", "店舗名", "法人名", "法人の名称", "事業所名", "団体名", "名称", "設置者", "所有者",
    "設立", "開設", "指定日", "更新日", "認可", "市長", "議員",
)  # fmt: skip


# An age *class* of a statistics table, after NFKC: a band (0-4歳, 0～14歳 → 0~14歳, 15〜64),
# an open end (65歳以上, 100歳~, 5歳未満), one year as a class (0歳), or the table's total or
# unknown row (総数, 計, 年齢不詳). A person's age is a bare number (49), which this never takes.
_AGE = r"\d{1,3}\s*歳?"
AGE_CLASS = re.compile(
    rf"(?:{_AGE}\s*[-~〜ー‐–]\s*{_AGE}"
    r"|\d{1,3}\s*歳\s*(?:以上|以下|未満|~|〜)?"
    r"|\d{1,3}\s*(?:以上|以下|未満)"
    r"|総数|総計|合計|小計|計|年齢不詳|不詳|不明)"
)
NUMBER = re.compile(r"[+-]?(?:\d+(?:,\d{3})*)(?:\.\d+)?")


def age_class_cells(text: pd.Series) -> pd.Series:
    """True where the whole (NFKC, stripped) cell names an age class, not a person's age."""
    return text.str.strip().str.fullmatch(AGE_CLASS.pattern).fillna(False).astype(bool)


def number_cells(text: pd.Series) -> pd.Series:
    """True where the whole (NFKC, stripped) cell is a number (a count, an average)."""
    return text.str.strip().str.fullmatch(NUMBER.pattern).fillna(False).astype(bool)


def is_bare_person_header(header: str) -> bool:
    """A header that is nothing but a person word (年齢, age): a column *of* ages, whereas
    年齢不詳_男 or 平均年齢 name a value *about* an age group."""
    text = str(header).strip()
    return text.lower() in PERSON_HEADER_EXACT or any(
        text == word for words in PERSON_HEADER_WORDS.values() for word in words
    )


# A facility's own contact columns (§2.5: 代表番号 and 所在地 of a 施設一覧 are public by design).
PHONE_HEADER_WORDS = ("電話", "tel", "phone")
ADDRESS_HEADER_WORDS = ("所在地", "住所", "address")
PHONE = r"^\s*(?:\+81[-\s]?|0)[0-9]{1,4}[-\s(]?[0-9]{1,4}[-\s)]?[0-9]{3,4}\s*$"
HOUSE_ADDRESS = r"(?:[0-9一二三四五六七八九十]+丁目|[0-9]+番地?|[0-9]+号|[0-9]+-[0-9]+)"


def contact_header_kind(*headers: str) -> str | None:
    """``phone``/``address`` if a header names a telephone number or a street address."""
    text = " ".join(str(h) for h in headers).lower()
    if any(word in text for word in PHONE_HEADER_WORDS):
        return "phone"
    if any(word in text for word in ADDRESS_HEADER_WORDS):
        return "address"
    return None


def is_facility_header(*headers: str) -> bool:
    """A header naming what a row is (施設名, 名称, 事業所名): the rows describe facilities."""
    return any(word in str(h) for h in headers for word in PUBLIC_HEADER_WORDS[:6])


def contact_cells(text: pd.Series, kind: str) -> pd.Series:
    """True where an (NFKC) cell is a phone number or a house-level address."""
    return text.str.contains(PHONE if kind == "phone" else HOUSE_ADDRESS, na=False)


def person_header_kind(*headers: str) -> str | None:
    """``name``/``birthdate``/``age`` if a header (standard or as written) names personal data."""
    for header in headers:
        text = str(header).strip()
        lowered = text.lower()
        if any(word in text for word in PUBLIC_HEADER_WORDS):
            return None
        if lowered in PERSON_HEADER_EXACT:
            return PERSON_HEADER_EXACT[lowered]
        for kind, words in PERSON_HEADER_WORDS.items():
            if any(word in text for word in words):
                return kind
    return None


def is_my_number_header(*headers: str) -> bool:
    return any(w in str(h).lower() for h in headers for w in MY_NUMBER_HEADERS)


def my_number_cells(text: pd.Series) -> pd.Series:
    """True where the whole (NFKC) cell is one valid My Number, timestamps excluded."""
    out = pd.Series(False, index=text.index)
    candidates = text[text.str.contains(TWELVE_DIGITS, na=False)]
    if candidates.empty:
        return out
    groups = candidates.str.extract(MY_NUMBER_CELL)
    matched = groups[0].notna()
    digits = (groups[0] + groups[1] + groups[2])[matched]
    valid = my_number_valid(digits.tolist()) & ~digits.str.fullmatch(TIMESTAMP).to_numpy(bool)
    out[digits.index[valid]] = True
    return out


def my_number_inside(text: pd.Series) -> pd.Series:
    """True where a (NFKC) cell contains a valid My Number anywhere, with digit boundaries."""
    out = pd.Series(False, index=text.index)
    candidates = text[text.str.contains(TWELVE_DIGITS, na=False)]
    if candidates.empty:
        return out
    found = candidates.str.extractall(MY_NUMBER)
    if found.empty:
        return out
    digits = found[0] + found[1] + found[2]
    valid = my_number_valid(digits.tolist()) & ~digits.str.fullmatch(TIMESTAMP).to_numpy(bool)
    rows = digits.index.get_level_values(0)[valid]
    out[rows.unique()] = True
    return out


def personal_email_cells(text: pd.Series) -> pd.Series:
    """True where a (NFKC) cell holds an address at a personal webmail or carrier domain."""
    out = pd.Series(False, index=text.index)
    found = text[text.str.contains("@", regex=False, na=False)].str.extractall(EMAIL)
    if found.empty:
        return out
    domains = found[1].str.lower()
    personal = domains.isin(PERSONAL_EMAIL_DOMAINS) | domains.map(_under_personal_domain)
    out[found.index.get_level_values(0)[personal.to_numpy(bool)].unique()] = True
    return out


def _under_personal_domain(domain: str) -> bool:
    return any(domain.endswith("." + d) for d in PERSONAL_EMAIL_DOMAINS)


def mobile_cells(text: pd.Series) -> pd.Series:
    return text.str.contains(MOBILE, na=False)


def mask(value: str, kind: str) -> str:
    """Enough to find the cell, never the whole value (a report is itself shared)."""
    value = str(value).strip()
    if kind == "email" and "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    if kind in ("my-number", "mobile"):
        return value[:3] + re.sub(r"\d", "*", value[3:])  # \d: full-width digits too
    return value[:1] + "*" * max(len(value) - 1, 0)
