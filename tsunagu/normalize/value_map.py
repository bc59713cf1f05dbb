"""Value mappings: a department's own marks (○, ×, あり, ー) → the standard's values (有, 無, 1).

Files say the same thing many ways, and a standard enum accepts one. The manifest's ``values:``
says once, per column, what each mark means; ``tsunagu map`` proposes the entries from the data
with how often each value occurs, so the department confirms instead of typing. A mapped value
is then normalized and validated like any other: a mapping cannot smuggle an invalid value in.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from tsunagu.errors import ManifestError

if TYPE_CHECKING:
    from tsunagu.model import Report

# Marks departments use for yes / no / nothing, by meaning.
YES = ("○", "〇", "◯", "●", "◎", "有", "有り", "あり", "アリ", "可", "はい", "yes", "Yes", "YES",
       "1", "true", "TRUE", "対応", "設置")  # fmt: skip
NO = ("×", "✕", "✖", "無", "無し", "なし", "ナシ", "不可", "いいえ", "no", "No", "NO", "0",
      "false", "FALSE", "未対応", "未設置")  # fmt: skip
NOTHING = ("ー", "－", "-", "―", "‐", "−", "…", "不明", "なし（空欄）")
#: Standard values that mean yes / no, in the order they are preferred as a target.
YES_TARGETS = ("有", "1", "あり", "○", "可", "true")
NO_TARGETS = ("無", "0", "なし", "×", "不可", "false")


def apply_value_mappings(
    table: pd.DataFrame,
    mappings: dict[str, dict[str, str]],
    origin: dict[str, str],
    report: Report,
    file_name: str,
) -> pd.DataFrame:
    """The table with each mapped column's values replaced; a column the mapping names must exist
    (in the file, or as the standard field it was mapped to)."""
    if not mappings:
        return table
    out = table.copy()
    by_header = {header: standard for standard, header in origin.items()}
    for column, mapping in mappings.items():
        target = by_header.get(column, column if column in out.columns else None)
        if target is None or target not in out.columns:
            raise ManifestError(
                f'values: column "{column}" is neither a column of {file_name} nor a mapped field',
                message_ja=f"values: 列「{column}」は {file_name} の列にも"
                "対応先の項目にもありません",
            )
        cells = out[target].astype(str)
        stripped = cells.str.strip()
        hit = stripped.isin(list(mapping))
        out.loc[hit, target] = stripped[hit].map(mapping)
        report.count("value-mapped", int(hit.sum()))
    return out


@dataclass(frozen=True)
class ValueProposal:
    value: str
    count: int
    target: str | None  # None: no sure proposal, the department decides


def _target(value: str, enum: list[str]) -> str | None:
    allowed = [str(e) for e in enum]
    if value in YES:
        return next((t for t in YES_TARGETS if t in allowed), None)
    if value in NO:
        found = next((t for t in NO_TARGETS if t in allowed), None)
        return found if found is not None else ("" if len(allowed) == 1 else None)
    if value in NOTHING:
        return ""
    return None


def propose_value_mappings(series: pd.Series, field: dict[str, Any]) -> list[ValueProposal]:
    """For an enum field: every distinct value outside the enum, most frequent first, with the
    standard value it most likely means (None when there is no sure guess)."""
    enum = (field.get("constraints") or {}).get("enum")
    if not enum:
        return []
    allowed = {str(e) for e in enum}
    counts = Counter(v.strip() for v in series.astype(str) if v.strip())
    return [
        ValueProposal(value, n, _target(value, list(enum)))
        for value, n in counts.most_common()
        if value not in allowed
    ]
