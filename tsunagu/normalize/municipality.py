"""The municipality a file belongs to, checked against the codes the file itself carries.

A department's file often says which city it is from (全国地方公共団体コード, 市区町村コード). When
that differs from the municipality the file is published under, either the file or the folder is
wrong, and filling or publishing it would label one city's data as another's. Each differing code
is one error naming both codes, with the first row and the number of rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from tsunagu.errors import Location

if TYPE_CHECKING:
    from tsunagu.model import Report

#: Standard fields that name the publishing municipality (所在地_全国地方公共団体コード does not:
#: a city's facility may stand in a neighbouring town).
CODE_FIELDS = ("全国地方公共団体コード", "市区町村コード", "都道府県コード又は市区町村コード")


def check_codes(table: pd.DataFrame, code: str, name: str, report: Report, file_name: str) -> None:
    """One ``municipality-code-mismatch`` error per distinct foreign code, per column.

    A 5-digit code written without its check digit (22212 for 222127) is the same municipality,
    so it is not reported here; the lg-code check reports the missing digit.
    """
    for column in CODE_FIELDS:
        if column not in table.columns:
            continue
        values = table[column].astype(str).str.strip()
        foreign = values[(values != "") & (values != code) & (values != code[:5])]
        for value, rows in foreign.groupby(foreign, sort=False):
            first = int(rows.index[0])
            report.add(
                "municipality-code-mismatch",
                "error",
                Location(file=file_name, row=first, column=column),
                cell=value,
                municipality_code=code,
                name=name,
                count=len(rows),
            )


def report_unknown(report: Report, file_name: str) -> None:
    """Say that no municipality is known instead of assuming one."""
    report.add("municipality-unknown", "warning", Location(file=file_name))
