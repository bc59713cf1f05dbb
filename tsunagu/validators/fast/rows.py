"""Assemble row errors in the order Frictionless emits them.

Frictionless reads a row lazily. Its unique and primary-key checks read their fields first (each
read appends that cell's type/constraint errors); the first duplicate makes it read the whole
row (the other cells' errors, in field order, then ``blank-row`` *replacing* them all), and
the duplicate errors come after. Only rows with at least one finding get here, so this plain
Python replay costs per error, not per row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from frictionless import errors
from frictionless.helpers import safe_format

from tsunagu.validators.fast.constraints import ColumnOutcome

if TYPE_CHECKING:
    from frictionless import Error, Field

# Frictionless is imported with this module, which is itself imported only when validating.

UNIQUE_NOTE = "the same as in the row at position %s"
ALL_NONE_NOTE = 'cells composing the primary keys are all "None"'
HEADER_ROWS = 1  # Frictionless row numbers count the header as row 1


def error_descriptor(kind: type[Error], **fields: Any) -> dict[str, Any]:
    """``kind(...).to_descriptor()`` without building the object (about 0.5 ms each).

    Title, description, tags and message come from the error class itself, rendered by
    Frictionless' own ``safe_format``, so the text is the same.
    """
    return {
        "type": kind.type,
        "title": kind.title,
        "description": kind.description,
        "message": safe_format(kind.template, fields),
        "tags": list(kind.tags),
        **fields,
    }


def row_number(position: int) -> int:
    return position + HEADER_ROWS + 1


@dataclass
class RowFindings:
    """What the vectorised pass found in one row (a position in its batch).

    Earlier rows are named by their position in the whole table.
    """

    position: int
    blank: bool = False
    unique: dict[int, int] = field(default_factory=dict)  # field index -> earlier position
    primary_key: int | None = None  # earlier position, or -1 when the key cells are all empty


@dataclass
class RowAssembler:
    """Turns findings into Frictionless errors for one table."""

    fields: Sequence[Field]
    outcomes: Sequence[ColumnOutcome]
    unique_fields: Sequence[int]
    key_fields: Sequence[int]
    cells_of: Callable[[int], list[str]]
    offset: int = 0  # position of the batch's first row in the table

    def errors(self, found: RowFindings) -> list[dict[str, Any]]:
        replay = _Replay(self, found, self.cells_of(found.position))
        return replay.run()

    def cell_errors(self, index: int, position: int, cells: list[str]) -> list[dict[str, Any]]:
        notes = self.outcomes[index].notes(position)
        kinds = {"type-error": errors.TypeError, "constraint-error": errors.ConstraintError}
        return [
            error_descriptor(
                kinds[kind],
                note=note,
                cells=cells,
                rowNumber=row_number(position + self.offset),
                cell=cells[index],
                fieldName=self.fields[index].name,
                fieldNumber=index + 1,
            )
            for kind, note in notes
        ]


class _Replay:
    """One row, read the way ``TableResource.row_stream`` and ``Row`` read it."""

    def __init__(self, owner: RowAssembler, found: RowFindings, cells: list[str]) -> None:
        self.owner = owner
        self.found = found
        self.cells = cells
        self.read: set[int] = set()
        self.full = False
        self.out: list[dict[str, Any]] = []
        self.number = row_number(found.position + owner.offset)

    def access(self, index: int) -> None:
        if self.full or index in self.read:
            return
        self.read.add(index)
        self.out += self.owner.cell_errors(index, self.found.position, self.cells)

    def read_all(self) -> None:
        if self.full:
            return
        for index in range(len(self.owner.fields)):
            self.access(index)
        self.full = True
        if self.found.blank:
            self.out = [
                error_descriptor(
                    errors.BlankRowError,
                    note="",
                    cells=self.cells,
                    rowNumber=self.number,
                )
            ]

    def run(self) -> list[dict[str, Any]]:
        number = self.number
        for index in self.owner.unique_fields:
            self.access(index)
            if index in self.found.unique:
                self.read_all()
                self.out.append(self._unique_error(index, number))
        if self.owner.key_fields:
            for index in self.owner.key_fields:
                self.access(index)
            if self.found.primary_key is not None:
                self.read_all()
                previous = self.found.primary_key
                note = ALL_NONE_NOTE if previous < 0 else UNIQUE_NOTE % row_number(previous)
                self.out.append(
                    error_descriptor(
                        errors.PrimaryKeyError, note=note, cells=self.cells, rowNumber=number
                    )
                )
        self.read_all()
        return self.out

    def _unique_error(self, index: int, number: int) -> dict[str, Any]:
        spec = self.owner.fields[index]
        value: Any = spec.create_cell_reader()(self.cells[index])[0]
        return error_descriptor(
            errors.UniqueError,
            note=UNIQUE_NOTE % row_number(self.found.unique[index]),
            cells=self.cells,
            rowNumber=number,
            cell=str(value),
            fieldName=spec.name,
            fieldNumber=index + 1,
        )
