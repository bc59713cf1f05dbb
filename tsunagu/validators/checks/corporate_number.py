"""``corporate-number``: 法人番号 must carry a correct check digit (its FIRST digit).

A 13-digit number with a wrong check digit passes the schema's pattern but points to no
corporation in 国税庁法人番号公表サイト. Values that are not 13 digits are left to Frictionless'
pattern constraint. 法人番号 are public data: this check never treats them as personal.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from tsunagu.errors import Problem, Severity
from tsunagu.identifiers.check_digit import corporate_number_valid
from tsunagu.validators.check import CheckContext


class CorporateNumberCheck:
    type: ClassVar[str] = "corporate-number"

    def run(self, ctx: CheckContext) -> Iterator[Problem]:
        for column in ctx.columns_of_kind("corporate-number"):
            values = ctx.table[column]
            candidates = values[values.str.fullmatch(r"[0-9]{13}", na=False)]
            valid = corporate_number_valid(candidates.tolist())
            for row, number in candidates[~valid].items():
                yield Problem(
                    code="corporate-number-check-digit",
                    severity=Severity.ERROR,
                    location=ctx.draft.location(int(row), column),  # type: ignore[call-overload]  # pandas-stubs: labels are Hashable; Draft index = row number
                    params={"cell": number},
                )
