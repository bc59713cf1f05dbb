"""Annotation rows under the header (``#object_type_xsd``, ``#property_context`` …).

Some cities publish CSVs generated from a vocabulary tool that writes schema rows right under
the header, each starting with ``#``. Read as data they became records named ``string`` and
``Assertion``. A run of rows directly under the header whose first cell starts with ``#`` is
such a block: it is taken out of the table and reported, never published.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from tsunagu.errors import Location

if TYPE_CHECKING:
    from tsunagu.model import Report


def annotation_rows(table: pd.DataFrame) -> list[int]:
    """Rows (file row numbers) of the ``#`` block directly under the header."""
    if table is None or not len(table) or not len(table.columns):
        return []
    first = table.iloc[:, 0].astype(str).str.strip()
    rows: list[int] = []
    for row, value in first.items():
        if not value.startswith("#"):
            break
        rows.append(int(row))  # type: ignore[call-overload]  # pandas-stubs: labels are Hashable; Draft index = row number
    return rows


def drop_annotation_rows(table: pd.DataFrame, report: Report, file_name: str) -> pd.DataFrame:
    """``table`` without its annotation block, with one warning naming the rows."""
    rows = annotation_rows(table)
    if not rows:
        return table
    labels = table.loc[rows].iloc[:, 0].astype(str).str.strip().tolist()
    report.add(
        "annotation-rows-skipped",
        "warning",
        Location(file=file_name, row=rows[0]),
        count=len(rows),
        rows=rows,
        labels="、".join(labels[:5]),
    )
    return table.drop(index=rows)
