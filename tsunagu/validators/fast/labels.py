"""The header: label errors and which field each column is read as.

The header is one row, so there is nothing to vectorise: we ask Frictionless' own ``Header``
with the arguments its ``TableResource`` uses (header row 1, case-sensitive labels, fields
matched by name as ``Detector(schema_sync=True)`` asks, i.e. ``fieldsMatch: "partial"``).
That gives the same ``missing-label``/``extra-label``/``blank-label`` errors, and the list of
fields expected in the data, one per column, with an ``any`` field for a column the schema does
not know.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from frictionless import Error, Field, Schema

HEADER_ROWS = [1]
FIELDS_MATCH: Final = "partial"  # what schema_sync=True resolves to in frictionless 5.21


@dataclass(frozen=True)
class HeaderResult:
    labels: list[str]
    errors: list[Error]
    expected: list[Field]  # one per data column, in column order


def read_header(labels: list[str], schema: Schema) -> HeaderResult:
    """Label errors and the expected fields, as Frictionless' TableResource computes them."""
    from frictionless.table.header import Header

    header = Header(
        list(labels),
        fields=schema.fields,
        row_numbers=HEADER_ROWS,
        ignore_case=False,
        fields_match=FIELDS_MATCH,
    )
    return HeaderResult(list(labels), list(header.errors), list(header.get_expected_fields()))
