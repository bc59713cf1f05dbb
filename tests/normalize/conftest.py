"""Standard schemas for normalize tests, built from JSON descriptors in tests/data/normalize/.

``DescriptorSchema`` is the smallest thing satisfying :class:`tsunagu.normalize.headers.SchemaLike`,
so these tests do not depend on the schema registry of tsunagu.validators.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tsunagu.model import Report


@dataclass(frozen=True)
class DescriptorSchema:
    slug: str
    descriptor: dict[str, Any]

    @classmethod
    def from_file(cls, path: Path) -> DescriptorSchema:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
        return cls(descriptor["name"], descriptor)

    @property
    def field_names(self) -> list[str]:
        return [f["name"] for f in self.descriptor["fields"]]

    @property
    def required_fields(self) -> list[str]:
        return [
            f["name"] for f in self.descriptor["fields"] if f.get("constraints", {}).get("required")
        ]

    def field(self, name: str) -> dict[str, Any]:
        return next(f for f in self.descriptor["fields"] if f["name"] == name)

    def aliases(self) -> dict[str, list[str]]:
        return {
            f["name"]: list(f["x-aliases"]) for f in self.descriptor["fields"] if f.get("x-aliases")
        }

    def normalize_kind(self, name: str) -> str | None:
        return self.field(name).get("x-normalize")


@pytest.fixture
def aed_schema(data_path) -> DescriptorSchema:
    return DescriptorSchema.from_file(data_path("normalize/aed_schema.json"))


@pytest.fixture
def facility_schema(data_path) -> DescriptorSchema:
    return DescriptorSchema.from_file(data_path("normalize/public_facility_schema.json"))


@pytest.fixture
def report() -> Report:
    return Report()


def read_table(path: Path) -> pd.DataFrame:
    """A CSV as the readers hand it over: all ``str``, ``""`` for empty, index = file row."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    table.index = range(2, len(table) + 2)
    return table


@pytest.fixture
def load_table(data_path):
    return lambda relative: read_table(data_path(relative))
