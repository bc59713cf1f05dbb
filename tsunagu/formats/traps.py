"""Characters that break when data moves between CP932 (Windows) and Unicode.

Two kinds, as the Digital Agency's guidance for machine-readable data warns:

* **CP932/Unicode mismatches**: one CP932 byte pair maps to different Unicode characters
  depending on the converter (〜 U+301C vs ～ U+FF5E, − vs －, ‖ vs ∥, ¢ £ ¬ vs ￠ ￡ ￢), so a
  value changes or becomes "?" on a round trip.
* **機種依存文字**: NEC special characters and NEC/IBM extension kanji (①, ㈱, ㍻, 髙, 﨑) that
  exist only in CP932's vendor rows and do not display, or sort, everywhere.

The check is per cell, reporting the first trap character, so a column of ① does not drown
the report.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import TYPE_CHECKING

from tsunagu.errors import Location, Problem, Severity

if TYPE_CHECKING:
    import pandas as pd

# Character -> safe replacement. Both members of each pair are flagged: whichever is in the
# data, the other converter turns it into something else.
MISMATCH = {
    "\u301c": "~",  # WAVE DASH 〜
    "\uff5e": "~",  # FULLWIDTH TILDE ～
    "\u2212": "-",  # MINUS SIGN −
    "\uff0d": "-",  # FULLWIDTH HYPHEN-MINUS －
    "\u2016": "|",  # DOUBLE VERTICAL LINE ‖
    "\u2225": "|",  # PARALLEL TO ∥
    "\u00a2": "￠",
    "\uffe0": "¢",
    "\u00a3": "￡",
    "\uffe1": "£",
    "\u00ac": "￢",
    "\uffe2": "¬",
}
# IBM/NEC extension kanji common in names and places, with the everyday form. CJK
# compatibility ideographs (塚 U+FA10, 神 U+FA19) need no entry: NFKC maps them.
KANJI_FORMS = {
    "\u9ad9": "\u9ad8",  # 髙 → 高
    "\ufa11": "\u5d0e",  # 﨑 → 崎
    "\u5fb7": "\u5fb3",  # 德 → 徳
    "\u6ff5": "\u6d5c",  # 濵 → 浜
    "\u6801": "\u67f3",  # 栁 → 柳
    "\u6852": "\u6851",  # 桒 → 桑
    "\u6df8": "\u6e05",  # 淸 → 清
    "\u7028": "\u702c",  # 瀨 → 瀬
}
# CP932 lead bytes of NEC row 13 (0x87) and the NEC-selected/IBM extension rows.
VENDOR_LEAD_BYTES = (0x87, 0xED, 0xEE, 0xFA, 0xFB, 0xFC)
# Blocks of the same kind that CP932 lacks altogether (㋿ U+32FF, ㉑ U+3251, ❶ U+2776):
# Roman numerals, enclosed alphanumerics, dingbat circled digits, enclosed CJK, CJK squared.
DEPENDENT_RANGES = "\u2160-\u217f\u2460-\u24ff\u2776-\u2793\u3200-\u33ff"


@cache
def vendor_chars() -> frozenset[str]:
    """Characters whose CP932 code lies only in the vendor rows (built once, on first use).

    Some vendor-row codes duplicate JIS characters (¬ is at 0x81CA and 0xEEF9); those encode
    back to their JIS code and are not platform-dependent.
    """
    found = set()
    for lead in VENDOR_LEAD_BYTES:
        for trail in range(0x40, 0xFD):
            try:
                char = bytes((lead, trail)).decode("cp932")
            except UnicodeDecodeError:
                continue
            if char.encode("cp932")[0] in VENDOR_LEAD_BYTES:
                found.add(char)
    return frozenset(found)


@cache
def _trap_pattern() -> re.Pattern[str]:
    chars = sorted(vendor_chars() | MISMATCH.keys())
    return re.compile("[" + DEPENDENT_RANGES + "".join(re.escape(c) for c in chars) + "]")


def find_cp932_traps(table: pd.DataFrame, file_name: str) -> list[Problem]:
    """One warning per cell that holds a mismatch character or a 機種依存文字, in row order.

    ``table`` follows the Draft convention: ``str`` cells, index = row number in the file.
    Column-wise (issue 17): Arrow's regex kernel finds the cells, :func:`first_trap` runs once
    per distinct text, and a ledger's 100k 「9時～17時」 cells share one ``params`` record, so
    only the Problem itself is made per cell.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    pattern = _trap_pattern().pattern
    index = table.index.to_numpy()
    positions: list[np.ndarray] = []  # hit rows by position, column by column
    columns: list[np.ndarray] = []
    texts: list[np.ndarray] = []
    for position in range(table.shape[1]):
        values = table.iloc[:, position]
        cells = pa.array(values.astype(str), type=pa.string())
        hits = np.flatnonzero(pc.match_substring_regex(cells, pattern).fill_null(False))
        if len(hits):
            positions.append(hits)
            columns.append(np.full(len(hits), position))
            texts.append(cells.take(pa.array(hits)).to_numpy(zero_copy_only=False))
    if not positions:
        return []
    hit_rows = np.concatenate(positions)
    hit_columns = np.concatenate(columns)
    hit_texts = np.concatenate(texts)
    rows = index[hit_rows]
    # Stable by row: within a row, columns stay in table order (as the sort by row always did).
    order = np.argsort(rows, kind="stable")
    labels = [str(c) for c in table.columns]
    where = Location(file=file_name)
    found: dict[str, Problem | None] = {}
    problems: list[Problem] = []
    for row, column, text in zip(
        rows[order].tolist(), hit_columns[order].tolist(), hit_texts[order].tolist(), strict=True
    ):
        if text not in found:
            found[text] = _trap_problem(text, where)
        template = found[text]
        if template is None:  # the engine's regex dialect matched where Python's does not
            continue
        location = Location(file=file_name, row=int(row), column=labels[column])
        problems.append(Problem(template.code, template.severity, location, template.params))
    return problems


def _trap_problem(text: str, where: Location) -> Problem | None:
    """The problem of a cell holding exactly ``text``; its ``params`` are shared by them all."""
    found = first_trap(text)
    if found is None:
        return None
    code, char, suggestion, severity = found
    params = {"char": char, "codepoint": f"U+{ord(char):04X}", "suggestion": suggestion}
    return Problem(code, severity, where, params)


def first_trap(text: str) -> tuple[str, str, str, Severity] | None:
    """``(code, char, suggestion, severity)`` for the first trap character in ``text``.

    Extension kanji are only ``info``: in a name such as 髙橋 they are often the right
    character, and the department decides; symbols such as ① always have a standard form.
    """
    match = _trap_pattern().search(text)
    if match is None:
        return None
    char = match.group()
    if char in MISMATCH:
        return "cp932-unicode-mismatch", char, MISMATCH[char], Severity.WARNING
    severity = Severity.INFO if _is_kanji(char) else Severity.WARNING
    suggestion = suggest(char)
    if suggestion == char:
        # No standard form (賴, 﨟 …): suggesting the same character would say nothing.
        return "platform-dependent-char-no-standard", char, "", severity
    return "platform-dependent-char", char, suggestion, severity


def suggest(char: str) -> str:
    """The standard form: ① → (1), ㈱ → (株), ㋿ → 令和, Ⅱ → II, 髙 → 高."""
    if char in KANJI_FORMS:
        return KANJI_FORMS[char]
    name = unicodedata.name(char, "")
    if name.startswith(("CIRCLED DIGIT", "CIRCLED NUMBER", "DINGBAT NEGATIVE CIRCLED")):
        return f"({int(unicodedata.numeric(char))})"
    return unicodedata.normalize("NFKC", char)


def _is_kanji(char: str) -> bool:
    return unicodedata.name(char, "").startswith("CJK")
