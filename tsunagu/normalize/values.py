"""Cell values → the standard's notation, column by column, counting every change.

Each field is normalized by its *normalize kind* (the schema's ``x-normalize``, else derived from
the field type): dates to ISO (和暦 included), times to HH:MM, phones to 04-7167-1111, postal codes
to 277-0005, numbers without thousands separators, text to the width rules. A column is
processed once per distinct value and mapped back (``pd.factorize``), because tables reach a
million rows with a few thousand distinct values. A value recognised but impossible (平成31年5月1日,
2月30日) is reported at its row and left as written; text that is not recognised at all is left
for the validator, which knows what the field accepts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import jaconv
import numpy as np
import pandas as pd
from pandas.api.types import is_object_dtype, is_string_dtype

from tsunagu.errors import ConfigError, Location
from tsunagu.normalize.datetime_text import DateResult, to_hhmm, to_iso_datetime
from tsunagu.normalize.headers import SchemaLike
from tsunagu.normalize.phone import PHONE_INVALID, normalize_phone
from tsunagu.normalize.wareki import to_iso_date
from tsunagu.normalize.width import (
    collapse_padding,
    normalize_dashes,
    to_fullwidth_kana,
    to_halfwidth_ascii,
)

if TYPE_CHECKING:
    from tsunagu.model import Report

EXTENSION_FIELD = "内線番号"
PROBLEM_SEVERITY = {
    "wareki-out-of-era": "error",
    "date-invalid": "error",
    "time-invalid": "error",
    "wareki-lunar-calendar": "warning",
    "phone-area-code-missing": "warning",
}
# Left to the validator: it reports any value that does not match the field, once.
UNREPORTED = {PHONE_INVALID}
_TYPE_KINDS = {"date": "date", "time": "time", "datetime": "datetime", "number": "number"}
_TYPE_KINDS |= {"integer": "integer", "year": "integer"}
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_POSTAL = re.compile(r"〒?\s*(\d{3})\s*-?\s*(\d{4})")


@dataclass(frozen=True)
class CellOutcome:
    value: str
    changes: tuple[str, ...] = ()
    problem: str | None = None
    extension: str | None = None


def _widths(s: str) -> CellOutcome:
    """ASCII half-width, kana full-width, padding collapsed; each step counted on its own."""
    changes = []
    steps = (
        (collapse_padding, "normalized-whitespace"),
        (to_halfwidth_ascii, "normalized-width"),
        (to_fullwidth_kana, "normalized-kana"),
    )
    for step, code in steps:
        new = step(s)
        if new != s:
            changes.append(code)
        s = new
    return CellOutcome(s, tuple(changes))


_DASH_AFTER_KANA = re.compile(r"(?<=[\u30A1-\u30FA\u30FC])[\u2010-\u2015\u2212\uFF0D\-]")


def _kana(s: str) -> CellOutcome:
    """名称_カナ fields are katakana: hiragana is converted too, and a dash typed after a kana
    (ハ―ト with U+2015, ハ-ト) is the long vowel mark ー it stands for."""
    base = _widths(s)
    kata = _DASH_AFTER_KANA.sub("ー", jaconv.hira2kata(base.value))
    if kata == base.value:
        return base
    return CellOutcome(kata, tuple(dict.fromkeys((*base.changes, "normalized-kana"))))


def _kana_fullwidth(s: str) -> CellOutcome:
    """名称_カナ the standard's way when its pattern wants full width: ＨＯＰＰＡ, ２, 　."""
    base = _kana(s)
    wide = jaconv.h2z(base.value, kana=True, ascii=True, digit=True)
    if wide == base.value:
        return base
    return CellOutcome(wide, tuple(dict.fromkeys((*base.changes, "normalized-width"))))


def _half(s: str) -> CellOutcome:
    new = to_halfwidth_ascii(s)
    return CellOutcome(new, ("normalized-width",) if new != s else ())


def _number(s: str) -> CellOutcome:
    """１，２３４ → 1234 and −5 → -5; 50人 stays as written for the validator to report."""
    new = to_halfwidth_ascii(s)
    if new[:1] in "−－ー":
        new = "-" + new[1:]
    changes = ["normalized-width"] if new != s else []
    if _THOUSANDS.fullmatch(new):
        new = new.replace(",", "")
        changes.append("normalized-number")
    return CellOutcome(new, tuple(changes))


def _code(s: str) -> CellOutcome:
    """法人番号 written 1-2345-6789-0123 or with spaces: separators dropped when all digits."""
    base = _half(s)
    packed = re.sub(r"[\s-]", "", normalize_dashes(base.value))
    if packed != base.value and packed.isdigit():
        return CellOutcome(packed, (*base.changes, "normalized-code"))
    return base


def _postal(s: str) -> CellOutcome:
    match = _POSTAL.fullmatch(normalize_dashes(to_halfwidth_ascii(s)))
    if match is None:
        return CellOutcome(s)
    new = f"{match[1]}-{match[2]}"
    return CellOutcome(new, ("normalized-postal-code",) if new != s else ())


def _phone(s: str) -> CellOutcome:
    result = normalize_phone(s)
    changed = ("normalized-phone",) if result.value != s else ()
    return CellOutcome(result.value, changed, result.problem_code, result.extension)


_DATE_CODES = {"wareki": "normalized-wareki-date", "western": "normalized-western-date"}
_DATE_CODES |= {"time": "normalized-time", "datetime": "normalized-datetime"}


def _from_date_result(s: str, result: DateResult) -> CellOutcome:
    if result.problem_code and result.value is None:
        return CellOutcome(s, (), result.problem_code)
    if result.value is None or result.value == s:
        return CellOutcome(s, (), result.problem_code)
    code = _DATE_CODES.get(result.kind or "", "normalized-width")
    return CellOutcome(result.value, (code,), result.problem_code)


def _date(s: str) -> CellOutcome:
    """A date, also when a spreadsheet exported it as midnight (2024-04-01 00:00:00)."""
    result = to_iso_date(s)
    if result.kind is None:
        moment = to_iso_datetime(s, parse_date=to_iso_date)
        if moment.value and moment.value.endswith("T00:00:00"):
            result = DateResult(moment.value[:10], "western")
    return _from_date_result(s, result)


NORMALIZERS: dict[str, Callable[[str], CellOutcome]] = {
    "text": _widths,
    "kana": _kana,
    "number": _number,
    "integer": _number,
    "lg-code": _half,
    "corporate-number": _code,
    "url": _half,
    "postal-code": _postal,
    "phone": _phone,
    "date": _date,
    "time": lambda s: _from_date_result(s, to_hhmm(s)),
    "datetime": lambda s: _from_date_result(s, to_iso_datetime(s, parse_date=to_iso_date)),
}


#: A second way to write a kind, tried when the first result breaks the field's constraint:
#: the kana pattern of the current standard wants letters, digits and spaces in full width.
ALTERNATIVES: dict[str, Callable[[str], CellOutcome]] = {"kana": _kana_fullwidth}


def field_kind(schema: SchemaLike, name: str) -> str:
    """The field's normalize kind; derived from its type when the schema gives none."""
    kind = schema.normalize_kind(name)
    if kind is None:
        field = schema.field(name)
        fallback = "url" if field.get("format") == "uri" else "text"
        kind = _TYPE_KINDS.get(field.get("type", "string"), fallback)
    if kind not in NORMALIZERS:
        raise ConfigError(
            f'schema {schema.slug!r}: field "{name}" has unknown x-normalize {kind!r}'
        )
    return kind


def constraint_test(field: dict) -> Callable[[str], bool] | None:
    """Whether a value meets the field's enum/pattern constraints; None when it has neither.

    Normalization exists to make values valid, so a value that already meets the standard's own
    constraint is left exactly as written: 認定こども園（保育所型） is the enum's spelling, and a
    kana name the pattern accepts with （） must not be turned into one it rejects.
    """
    constraints = field.get("constraints") or {}
    enum = constraints.get("enum")
    pattern = constraints.get("pattern")
    if not enum and not pattern:
        return None
    allowed = {str(v) for v in enum} if enum else None
    compiled = re.compile(pattern) if isinstance(pattern, str) else None

    def meets(value: str) -> bool:
        if allowed is not None and value not in allowed:
            return False
        return compiled is None or compiled.fullmatch(value) is not None

    return meets


def _enum_key(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value).split())


def enum_spelling(field: dict) -> Callable[[str], CellOutcome] | None:
    """The enum member a value means when it differs only in width or spacing
    (認定こども園(幼稚園型) → 認定こども園（幼稚園型）); None for fields without an enum."""
    enum = (field.get("constraints") or {}).get("enum")
    if not enum:
        return None
    members = {_enum_key(str(v)): str(v) for v in enum}

    def spell(value: str) -> CellOutcome:
        member = members.get(_enum_key(value))
        if member is None or member == value:
            return CellOutcome(value)
        return CellOutcome(member, ("normalized-width",))

    return spell


def _map_unique(
    series: pd.Series,
    fn: Callable[[str], CellOutcome],
    already_valid: Callable[[str], bool] | None = None,
    alternative: Callable[[str], CellOutcome] | None = None,
) -> tuple[np.ndarray, list[CellOutcome], np.ndarray]:
    """(codes, one outcome per distinct value, occurrences of each distinct value)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)

    def outcome(u: object) -> CellOutcome:
        if not isinstance(u, str) or not u:
            return CellOutcome(u)  # type: ignore[arg-type]
        if already_valid is None:
            return fn(u)
        if already_valid(u):
            return CellOutcome(u)
        first = fn(u)
        if alternative is not None and not already_valid(first.value):
            second = alternative(u)
            if already_valid(second.value):
                return second
        return first

    outcomes = [outcome(u) for u in uniques]
    return codes, outcomes, np.bincount(codes, minlength=len(uniques))


def _trim(series: pd.Series, report: Report) -> pd.Series:
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    trimmed = np.array([u.strip() if isinstance(u, str) else u for u in uniques], dtype=object)
    changed = np.array([isinstance(u, str) and u != u.strip() for u in uniques], dtype=bool)
    report.count("normalized-whitespace", int(changed[codes].sum()))
    return pd.Series(trimmed[codes], index=series.index, name=series.name, dtype=series.dtype)


def _normalize_column(
    series: pd.Series,
    kind: str,
    report: Report,
    file_name: str,
    already_valid: Callable[[str], bool] | None = None,
    enum_member: Callable[[str], CellOutcome] | None = None,
) -> tuple[pd.Series, dict[int, str]]:
    """The normalized column, and the extensions split off phones by row."""
    codes, outcomes, counts = _map_unique(
        series, NORMALIZERS[kind], already_valid, enum_member or ALTERNATIVES.get(kind)
    )
    for outcome, n in zip(outcomes, counts, strict=True):
        if outcome.extension:
            continue  # counted row by row once the extension has found its place
        for code in outcome.changes:
            report.count(code, int(n))
    flagged = [i for i, o in enumerate(outcomes) if o.problem or o.extension]
    mask = np.isin(codes, flagged)
    extensions: dict[int, str] = {}
    for row, i in zip(series.index[mask], codes[mask], strict=True):
        outcome = outcomes[i]
        if outcome.extension:
            extensions[int(row)] = outcome.extension
        if outcome.problem and outcome.problem not in UNREPORTED:
            location = Location(file=file_name, row=int(row), column=str(series.name))
            severity = PROBLEM_SEVERITY.get(outcome.problem, "error")
            report.add(outcome.problem, severity, location, value=series.at[row])
    values = np.array([o.value for o in outcomes], dtype=object)
    out = pd.Series(values[codes], index=series.index, name=series.name, dtype=series.dtype)
    return out, extensions


def _place_extensions(
    table: pd.DataFrame,
    column: str,
    original: pd.Series,
    extensions: dict[int, str],
    report: Report,
    file_name: str,
) -> None:
    """Move 内線 into the 内線番号 column; where it cannot go, keep the phone as written."""
    has_field = EXTENSION_FIELD in table.columns
    for row, extension in extensions.items():
        current = to_halfwidth_ascii(str(table.at[row, EXTENSION_FIELD])) if has_field else None
        if current in ("", extension):
            table.at[row, EXTENSION_FIELD] = extension
            report.count("normalized-phone")
            report.count("normalized-phone-extension")
            continue
        table.at[row, column] = original[row]
        location = Location(file=file_name, row=row, column=column)
        report.add("phone-extension-unplaced", "warning", location, value=original[row])


def normalize_values(
    table: pd.DataFrame, schema: SchemaLike, report: Report, file_name: str
) -> pd.DataFrame:
    """A normalized copy of ``table`` (standard column names expected, see headers.apply_mapping).

    Every column is trimmed; standard fields are then normalized by kind. Changes are counted in
    ``report.changes`` by code; impossible values become problems at their row.
    """
    out = table.copy()
    # Only text columns: a GeoDataFrame's geometry (or a numeric column a reader kept) is not ours.
    text_columns = [c for c in out.columns if is_string_dtype(out[c]) or is_object_dtype(out[c])]
    for column in text_columns:
        out[column] = _trim(out[column], report)
    for column in text_columns:
        if column not in schema.field_names:
            continue
        trimmed = out[column]
        out[column], extensions = _normalize_column(
            trimmed,
            field_kind(schema, column),
            report,
            file_name,
            constraint_test(schema.field(column)),
            enum_spelling(schema.field(column)),
        )
        if extensions:
            _place_extensions(out, column, trimmed, extensions, report, file_name)
    return out


# Public names for the column-level steps (extra columns are normalized the same way).
trim_column = _trim
normalize_column = _normalize_column
