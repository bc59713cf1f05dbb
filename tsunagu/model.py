"""The one data shape passed between pipeline steps: :class:`Draft`, with its :class:`Report`.

A step takes a Draft and returns a new one (``draft.evolve(...)``); it never raises for bad data,
it adds :class:`~tsunagu.errors.Problem` records to the report. That makes each step testable
alone and lets the pipeline refuse to publish anything whose report blocks.

Table convention: ``Draft.table`` is a pandas DataFrame whose cells are ``str`` (empty cell ``""``)
and whose index is the row number in the department's own file (header excluded), so any problem
found on a cleaned table can still say "row 17" of the file they sent. GIS drafts hold a
GeoDataFrame with the same convention for attribute columns.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tsunagu.errors import Location, Problem, Severity


@dataclass
class Report:
    """Everything learnt about one input: problems, counted changes and plain facts."""

    problems: list[Problem] = field(default_factory=list)
    changes: Counter[str] = field(default_factory=Counter)
    facts: dict[str, Any] = field(default_factory=dict)
    frictionless: dict[str, Any] | None = None

    def add(
        self,
        code: str,
        severity: Severity | str,
        location: Location | None = None,
        rule: str | None = None,
        **params: Any,
    ) -> Problem:
        problem = Problem(
            code=code,
            severity=Severity(severity),
            location=location or Location(),
            params=params,
            rule=rule,
        )
        self.problems.append(problem)
        return problem

    def extend(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems.extend(problems)

    def count(self, code: str, n: int = 1) -> None:
        """Record that a normalization changed ``n`` cells (``"312 dates converted from 和暦"``)."""
        if n:
            self.changes[code] += n

    @property
    def blocking(self) -> list[Problem]:
        return [p for p in self.problems if p.severity.blocks_publishing]

    @property
    def valid(self) -> bool:
        return not self.blocking

    def by_severity(self, severity: Severity | str) -> list[Problem]:
        sev = Severity(severity)
        return [p for p in self.problems if p.severity is sev]

    def flatten(self, *keys: str) -> list[tuple[Any, ...]]:
        """Compact view for tests: ``[(row, column, code), ...]`` by default, as frictionless."""
        keys = keys or ("row", "column", "code")
        out = []
        for p in self.problems:
            loc = p.location.to_dict()
            out.append(
                tuple(
                    getattr(p, k)
                    if k in ("code", "rule")
                    else p.severity.value
                    if k == "severity"
                    else loc.get(k)
                    for k in keys
                )
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        from tsunagu.messages import render

        return {
            "valid": self.valid,
            "summary": {sev.value: len(self.by_severity(sev)) for sev in Severity},
            "facts": self.facts,
            "changes": [
                {
                    "code": code,
                    "count": n,
                    "message": {lang: render(code, lang, count=n) for lang in ("ja", "en")},
                }
                for code, n in sorted(self.changes.items())
            ],
            "problems": [p.to_dict() for p in self.problems],
            "frictionless": self.frictionless,
        }


@dataclass(frozen=True)
class Source:
    """The department's file as received. ``path`` is never modified."""

    path: Path
    format: str = ""
    encoding: str | None = None
    sheet: str | None = None
    header_row: int | None = None  # 1-based row of the header in the file
    size: int = 0
    sha256: str = ""
    #: The name the department gave the file, when it is stored under another (an upload).
    display_name: str | None = None

    @property
    def name(self) -> str:
        return self.display_name or self.path.name


@dataclass(frozen=True)
class Draft:
    """What flows through read → normalize → validate → convert → publish."""

    source: Source
    table: Any = None  # pandas.DataFrame / geopandas.GeoDataFrame, see module docstring
    raw_table: Any = None  # the table exactly as read (before normalize), same index and headers
    schema: str | None = None  # standard schema slug
    manifest: Any = None  # tsunagu.manifest.Manifest
    report: Report = field(default_factory=Report)
    artifacts: dict[str, Path] = field(default_factory=dict)
    column_origin: dict[str, str] = field(default_factory=dict)  # standard name -> header in file
    #: A long-form statistics table's (upper, lower, value) columns: a value cell came from the
    #: file's column ``<upper>_<lower>`` of the same row (see :meth:`cell_location`).
    melted: tuple[str, str, str] | None = None

    def evolve(self, **changes: Any) -> Draft:
        return dataclasses.replace(self, **changes)

    def location(self, row: int | None = None, column: str | None = None) -> Location:
        """A Location in the department's own file, naming the column as they wrote it."""
        col = self.column_origin.get(column, column) if column else None
        return Location(file=self.source.name, sheet=self.source.sheet, row=row, column=col)

    def cell_location(self, position: int, column: str | None) -> Location:
        """The Location of the cell at ``position`` (0-based, in table order) of ``column``.

        As :meth:`location`, except that a value of a long-form statistics table is named by
        the column it had in the file (``男_0-4歳``, from its row's 性別 and 年齢), which the
        department can find in its sheet; the long column (人口) exists only in the output."""
        index = self.table.index
        row = int(index[position]) if 0 <= position < len(index) else None
        if self.melted is not None and row is not None and column == self.melted[2]:
            upper, lower = (str(self.table[c].iloc[position]) for c in self.melted[:2])
            return Location(
                file=self.source.name, sheet=self.source.sheet, row=row, column=f"{upper}_{lower}"
            )
        return self.location(row, column)
