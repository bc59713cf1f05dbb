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
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import is_object_dtype, is_string_dtype

from tsunagu.errors import ConfigError, Location
from tsunagu.normalize.arrow_text import (
    ANY_DASH,
    ANY_WHITESPACE,
    FULLWIDTH_ASCII,
    PADDING_RUN,
    arrow_text,
    first_chars,
    flags,
    has_fullwidth_ascii,
    has_halfwidth_kana,
    has_padding_run,
    like,
    matches,
    put,
    strip,
)
from tsunagu.normalize.arrow_text import to_halfwidth_ascii as fold_ascii
from tsunagu.normalize.datetime_text import DateResult, to_hhmm, to_iso_datetime
from tsunagu.normalize.headers import SchemaLike
from tsunagu.normalize.phone import (
    PHONE_INVALID,
    PREFIX_DIGITS,
    normalize_phone,
    plain_grouping,
)
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


def _outcome_of(
    fn: Callable[[str], CellOutcome],
    already_valid: Callable[[str], bool] | None = None,
    alternative: Callable[[str], CellOutcome] | None = None,
) -> Callable[[object], CellOutcome]:
    """What normalisation makes of one distinct value."""

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

    return outcome


def _map_unique(
    series: pd.Series,
    fn: Callable[[str], CellOutcome],
    already_valid: Callable[[str], bool] | None = None,
    alternative: Callable[[str], CellOutcome] | None = None,
) -> tuple[np.ndarray, list[CellOutcome], np.ndarray]:
    """(codes, one outcome per distinct value, occurrences of each distinct value)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    outcome = _outcome_of(fn, already_valid, alternative)
    outcomes = [outcome(u) for u in uniques]
    return codes, outcomes, np.bincount(codes, minlength=len(uniques))


def _trim(series: pd.Series, report: Report) -> pd.Series:
    values = arrow_text(series)
    if values is not None:  # column-wise: no Python string per cell
        trimmed = strip(values)
        report.count("normalized-whitespace", int(flags(pc.not_equal(trimmed, values)).sum()))
        return like(series, trimmed)
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    trimmed = np.array([u.strip() if isinstance(u, str) else u for u in uniques], dtype=object)
    changed = np.array([isinstance(u, str) and u != u.strip() for u in uniques], dtype=bool)
    report.count("normalized-whitespace", int(changed[codes].sum()))
    return pd.Series(trimmed[codes], index=series.index, name=series.name, dtype=series.dtype)


def _not_ascii(values: pa.Array) -> np.ndarray:
    return ~flags(pc.string_is_ascii(values))


def _maybe_number(values: pa.Array) -> np.ndarray:
    """Full-width characters, −/ー signs and thousands commas: all but the comma are non-ASCII."""
    return _not_ascii(values) | flags(pc.match_substring(values, ","))


# Cells a kind's normalizer may change or flag (None: any non-empty cell). A cell outside is
# left exactly as written by the per-value function, so the column keeps it without calling
# Python; each test is a superset of what the function touches (see
# tests/normalize/test_columnwise.py, which compares both ways on every kind).
_MAYBE_CHANGED: dict[str, Callable[[pa.Array], np.ndarray] | None] = {
    "text": lambda v: has_fullwidth_ascii(v) | has_halfwidth_kana(v) | has_padding_run(v),
    "number": _maybe_number,
    "integer": _maybe_number,
    "lg-code": has_fullwidth_ascii,
    "url": has_fullwidth_ascii,
    "corporate-number": lambda v: matches(v, f"[{FULLWIDTH_ASCII}{ANY_WHITESPACE}{ANY_DASH}]"),
    "postal-code": lambda v: ~matches(v, "^[0-9]{3}-[0-9]{4}$"),
    "phone": None,
    "kana": None,
    "date": None,
    "time": None,
    "datetime": None,
}


@dataclass
class _Found:
    """One column's normalisation, cell positions (not index labels) throughout."""

    values: pa.Array
    python: np.ndarray  # cells left for the per-value functions
    counted: list[tuple[str, np.ndarray, int]]  # (change code, cells, rank in the cell's changes)

    def spread(self, subset: np.ndarray, within: np.ndarray) -> np.ndarray:
        """A mask over ``subset``'s cells as a mask over the column."""
        out = np.zeros(len(self.values), dtype=bool)
        out[np.flatnonzero(subset)[within]] = True
        return out


def _widths_columnwise(found: _Found, cells: np.ndarray) -> None:
    """_widths on ``cells`` (none holding half-width kana): padding collapsed, then ASCII folded."""
    if not cells.any():
        return
    before = found.values.filter(pa.array(cells))
    collapsed = before
    padded = has_padding_run(before)
    if padded.any():
        runs = pc.replace_substring_regex(before.filter(pa.array(padded)), PADDING_RUN, " ")
        collapsed = put(before, padded, runs)
    folded = fold_ascii(collapsed)
    found.counted.append(
        ("normalized-whitespace", found.spread(cells, flags(pc.not_equal(collapsed, before))), 0)
    )
    found.counted.append(
        ("normalized-width", found.spread(cells, flags(pc.not_equal(folded, collapsed))), 1)
    )
    found.values = put(found.values, cells, folded)


def _phones_columnwise(
    found: _Found, cells: np.ndarray, already_valid: Callable[[str], bool] | None
) -> None:
    """Bare-digit phones (0471671111) grouped by their prefix's grouping, column-wise; a prefix
    without one shared grouping sends its cells to the per-value path."""
    # 0 and nine or ten more ASCII digits (phone._PLAIN_DIGITS), by cheap kernels
    values = found.values
    length = pc.binary_length(values).to_numpy(zero_copy_only=False)
    plain = cells & ((length == 10) | (length == 11)) & (first_chars(values) == ord("0"))
    plain &= flags(pc.string_is_ascii(values)) & flags(pc.utf8_is_digit(values))
    found.python |= cells & ~plain
    if not plain.any():
        return
    digits = found.values.filter(pa.array(plain))
    keep = np.zeros(len(digits), dtype=bool)
    if already_valid is not None:
        valid = [u for u in pc.unique(digits).to_pylist() if already_valid(u)]
        if valid:
            keep = flags(pc.is_in(digits, value_set=pa.array(valid, type=digits.type)))
    lengths = pc.cast(pc.cast(pc.utf8_length(digits), pa.string()), digits.type)
    heads = pc.utf8_slice_codeunits(digits, 0, PREFIX_DIGITS)
    keys = pc.binary_join_element_wise(heads, lengths, pa.scalar("|", digits.type))
    distinct = pc.unique(keys)
    key_codes = pc.index_in(keys, value_set=distinct).to_numpy()
    _, firsts = np.unique(key_codes, return_index=True)  # each prefix learnt from its first cell
    groupings = [plain_grouping(digits[int(i)].as_py()) for i in firsts]
    grouped = np.array([isinstance(g, tuple) for g in groupings], dtype=bool)[key_codes]
    found.python |= found.spread(plain, ~grouped & ~keep)
    todo = grouped & ~keep
    if not todo.any():
        return
    written = digits
    for grouping in dict.fromkeys(g for g in groupings if isinstance(g, tuple)):
        ids = [i for i, g in enumerate(groupings) if g == grouping]
        starts = np.cumsum((0, *grouping[:-1]))
        parts = [
            pc.utf8_slice_codeunits(digits, int(a), int(a + n))
            for a, n in zip(starts, grouping, strict=True)
        ]
        joined = pc.binary_join_element_wise(*parts, pa.scalar("-", digits.type))
        written = pc.if_else(pa.array(np.isin(key_codes, ids)), joined, written)
    written = written.filter(pa.array(todo))
    before = digits.filter(pa.array(todo))
    rows = found.spread(plain, todo)
    changed = found.spread(rows, flags(pc.not_equal(written, before)))
    found.counted.append(("normalized-phone", changed, 0))
    found.values = put(found.values, rows, written)


def _count_in_order(report: Report, counted: list[tuple[str, np.ndarray, int]]) -> None:
    """Count each change code in the order the per-value loop met them (first cell, then rank)."""
    totals: dict[str, int] = {}
    first: dict[str, tuple[int, int]] = {}
    for code, cells, rank in counted:
        n = int(cells.sum())
        if not n:
            continue
        totals[code] = totals.get(code, 0) + n
        at = (int(cells.argmax()), rank)
        first[code] = min(first.get(code, at), at)
    for code in sorted(totals, key=first.__getitem__):
        report.count(code, totals[code])


def _normalize_arrow(
    series: pd.Series,
    values: pa.Array,
    kind: str,
    report: Report,
    file_name: str,
    already_valid: Callable[[str], bool] | None,
    alternative: Callable[[str], CellOutcome] | None,
) -> tuple[pd.Series, dict[int, str]]:
    """_normalize_column on an Arrow column: the common cases column-wise, the rest per value."""
    filled = flags(pc.not_equal(values, pa.scalar("", values.type)))
    if not filled.any():  # most optional standard columns are wholly empty
        return like(series, values), {}
    found = _Found(values, np.zeros(len(values), dtype=bool), [])
    maybe = _MAYBE_CHANGED.get(kind)  # a kind without a test: every cell per value
    if alternative is not None and already_valid is not None:
        found.python = filled  # a value outside the constraint may be respelled: ask each
    elif kind == "phone":
        _phones_columnwise(found, filled, already_valid)
    elif maybe is None:
        found.python = filled
    elif kind == "text" and already_valid is None:
        kana = filled & has_halfwidth_kana(values)
        found.python = kana
        _widths_columnwise(found, filled & ~kana & maybe(values))
    else:
        found.python = filled & maybe(values)
    extensions = _per_value(
        series, values, found, kind, report, file_name, already_valid, alternative
    )
    _count_in_order(report, found.counted)
    return like(series, found.values), extensions


def _per_value(
    series: pd.Series,
    values: pa.Array,
    found: _Found,
    kind: str,
    report: Report,
    file_name: str,
    already_valid: Callable[[str], bool] | None,
    alternative: Callable[[str], CellOutcome] | None,
) -> dict[int, str]:
    """The cells ``found.python`` names, through the per-value functions once per distinct value."""
    if not found.python.any():
        return {}
    cells = values.filter(pa.array(found.python))
    distinct = pc.unique(cells)
    outcome = _outcome_of(NORMALIZERS[kind], already_valid, alternative)
    outcomes = [outcome(u) for u in distinct.to_pylist()]
    codes = pc.index_in(cells, value_set=distinct).to_numpy()
    new = pa.array([o.value for o in outcomes], type=values.type).take(pa.array(codes))
    found.values = put(found.values, found.python, new)
    ranked: dict[tuple[str, int], list[int]] = {}
    for i, o in enumerate(outcomes):
        if o.extension:
            continue  # counted row by row once the extension has found its place
        for rank, code in enumerate(o.changes):
            ranked.setdefault((code, rank), []).append(i)
    for (code, rank), ids in ranked.items():
        found.counted.append((code, found.spread(found.python, np.isin(codes, ids)), rank))
    return _flag_rows(series, found.python, codes, outcomes, report, file_name)


def _flag_rows(
    series: pd.Series,
    cells: np.ndarray,
    codes: np.ndarray,
    outcomes: list[CellOutcome],
    report: Report,
    file_name: str,
) -> dict[int, str]:
    """Problems at their rows, in row order; extensions split off phones, by row."""
    flagged = [i for i, o in enumerate(outcomes) if o.problem or o.extension]
    extensions: dict[int, str] = {}
    if not flagged:
        return extensions
    hit = np.isin(codes, flagged)
    rows = series.index[np.flatnonzero(cells)[hit]]
    for row, i in zip(rows, codes[hit], strict=True):
        outcome = outcomes[i]
        if outcome.extension:
            extensions[int(row)] = outcome.extension
        if outcome.problem and outcome.problem not in UNREPORTED:
            location = Location(file=file_name, row=int(row), column=str(series.name))
            severity = PROBLEM_SEVERITY.get(outcome.problem, "error")
            report.add(outcome.problem, severity, location, value=series.at[row])
    return extensions


def _normalize_column(
    series: pd.Series,
    kind: str,
    report: Report,
    file_name: str,
    already_valid: Callable[[str], bool] | None = None,
    enum_member: Callable[[str], CellOutcome] | None = None,
) -> tuple[pd.Series, dict[int, str]]:
    """The normalized column, and the extensions split off phones by row.

    An Arrow (``str``) column is normalized column-wise; any other keeps the per-value path,
    which is also the reference the column-wise one is tested against.
    """
    alternative = enum_member or ALTERNATIVES.get(kind)
    values = arrow_text(series)
    if values is not None:
        return _normalize_arrow(series, values, kind, report, file_name, already_valid, alternative)
    codes, outcomes, counts = _map_unique(series, NORMALIZERS[kind], already_valid, alternative)
    for outcome, n in zip(outcomes, counts, strict=True):
        if outcome.extension:
            continue  # counted row by row once the extension has found its place
        for code in outcome.changes:
            report.count(code, int(n))
    extensions = _flag_rows(
        series, np.ones(len(series), dtype=bool), codes, outcomes, report, file_name
    )
    values_out = np.array([o.value for o in outcomes], dtype=object)
    out = pd.Series(values_out[codes], index=series.index, name=series.name, dtype=series.dtype)
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
