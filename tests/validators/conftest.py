"""Fixtures for validation tests: a schema built from a JSON descriptor, and drafts from CSV.

``JsonSchema`` is a tiny stand-in for ``tsunagu.standards.StandardSchema`` with the
members validation relies on (the ``SchemaLike`` Protocol), so these tests do not depend on how
the schema room loads and registers schemas.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tsunagu.model import Draft, Source


@dataclass(frozen=True)
class JsonSchema:
    slug: str
    descriptor: dict[str, Any]

    @property
    def field_names(self) -> list[str]:
        return [f["name"] for f in self.descriptor["fields"]]

    @property
    def required_fields(self) -> list[str]:
        return [
            f["name"] for f in self.descriptor["fields"] if f.get("constraints", {}).get("required")
        ]

    def frictionless_descriptor(self) -> dict[str, Any]:
        return _strip_x(self.descriptor)

    def field(self, name: str) -> dict[str, Any]:
        for f in self.descriptor["fields"]:
            if f["name"] == name:
                return f
        raise KeyError(name)

    def normalize_kind(self, name: str) -> str | None:
        return self.field(name).get("x-normalize")


def _strip_x(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_x(v) for k, v in value.items() if not k.startswith("x-")}
    if isinstance(value, list):
        return [_strip_x(v) for v in value]
    return value


@pytest.fixture
def facilities_schema(data_path) -> JsonSchema:
    path = data_path("validators/public-facilities.schema.json")
    return JsonSchema("public-facilities", json.loads(path.read_text(encoding="utf-8")))


def frame(rows: list[dict[str, str]], first_row: int = 2) -> pd.DataFrame:
    """A table of str cells indexed by file row number (header on row ``first_row - 1``)."""
    table = pd.DataFrame(rows, dtype=str).fillna("")
    table.index = range(first_row, first_row + len(table))
    return table


def draft_of(
    table: pd.DataFrame,
    *,
    name: str = "施設一覧.csv",
    column_origin: dict[str, str] | None = None,
    facts: dict[str, Any] | None = None,
    raw_table: pd.DataFrame | None = None,
) -> Draft:
    draft = Draft(
        source=Source(path=Path(name), format="csv", header_row=int(table.index[0]) - 1),
        table=table,
        raw_table=raw_table,
        column_origin=column_origin or {},
    )
    draft.report.facts.update(facts or {})
    return draft


@pytest.fixture
def csv_draft(data_path) -> Callable[..., Draft]:
    """``csv_draft("facilities_clean.csv", column_origin=...)`` → a normalized Draft."""

    def _draft(relative: str, **kwargs: Any) -> Draft:
        path = data_path(f"validators/{relative}")
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        table.index = range(2, 2 + len(table))
        return draft_of(table, name=path.name, **kwargs)

    return _draft


@pytest.fixture
def run_check(facilities_schema, settings) -> Callable[..., list[Any]]:
    """``run_check(LgCodeCheck, draft)`` → the problems one check yields for ``draft``."""
    from tsunagu.validators.check import CheckContext

    def _run(check_class: type, draft: Draft, allow: tuple[str, ...] = (), **changes: Any):
        ctx = CheckContext(draft, facilities_schema, settings.replace(**changes), frozenset(allow))
        return list(check_class().run(ctx))

    return _run


def triples(problems: list[Any]) -> list[tuple[Any, ...]]:
    """``[(row, column, code, severity), ...]`` for exact assertions."""
    return [(p.location.row, p.location.column, p.code, p.severity.value) for p in problems]
