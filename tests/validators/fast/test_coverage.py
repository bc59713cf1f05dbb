"""What hands a table to Frictionless, and why."""

from __future__ import annotations

import csv

import pytest

from tsunagu.validators.fast.coverage import dialect_reason, sniff_dialect, unsupported_reason

FIELDS = [{"name": "ID", "type": "integer"}, {"name": "名称", "type": "string"}]


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({}, None),
        ({"foreignKeys": [{"fields": "ID", "reference": {"fields": "ID"}}]}, "foreign keys"),
        ({"fieldsMatch": "exact"}, 'fieldsMatch "exact"'),
        ({"fields": [{"name": "a", "type": "array", "constraints": {"unique": True}}]}, "array"),
        (
            {
                "fields": [
                    {"name": "b", "type": "boolean", "trueValues": ["1"], "falseValues": ["1"]}
                ]
            },
            "both true and false",
        ),
    ],
)
def test_unsupported_reason_names_the_feature(extra, reason) -> None:
    found = unsupported_reason({"fields": FIELDS, **extra}, ["ID", "名称"])
    assert found == reason if reason is None else reason in found


def test_a_table_without_columns_falls_back() -> None:
    assert unsupported_reason({"fields": FIELDS}, []) == "the table has no columns"


def test_plain_comma_text_is_safe_but_quotes_matter_when_sniffed_without_doublequote() -> None:
    dialect = sniff_dialect(["ID,名称\n", "1,a\n", "2,b\n"])
    assert dialect.delimiter == "," and not dialect.doublequote
    assert dialect_reason(dialect, ["a", "b"]) is None
    assert "double quote" in dialect_reason(dialect, ['say "hi"'])
    assert dialect_reason(csv.excel, ['say "hi"']) is None
