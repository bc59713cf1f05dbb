"""The one schema inference both faces use (``tsunagu describe`` and the upload page): the file
read as publishing reads it, and the contract written only where none is yet."""

from __future__ import annotations

import json

import pytest

from tests.validators.own_schema_support import CALENDAR, city
from tsunagu.config import load_settings
from tsunagu.formats.base import ReadOptions
from tsunagu.services.describing import (
    ContractExists,
    FollowsStandard,
    describe_file,
    statistics_of,
    write_contract,
)


@pytest.fixture
def settings(tmp_path):
    return load_settings({"data_dir": tmp_path / "instance"}, env={})


def test_describe_file_infers_types_after_wareki_and_writes_nothing(tmp_path, settings):
    folder = city(tmp_path, schema=None)
    described = describe_file(folder / "gomi.csv", settings, ReadOptions())
    assert described.problems == []
    fields = {f["name"]: f for f in described.descriptor["fields"]}
    assert fields["開始日"]["type"] == "date" and fields["回数（回）"]["x-unit"] == "回"
    assert not (folder / "schema.json").exists()
    assert statistics_of(folder) is None


def test_an_unreadable_file_gives_its_problems_not_a_schema(tmp_path, settings):
    folder = city(tmp_path, csv="", schema=None)
    described = describe_file(folder / "gomi.csv", settings, ReadOptions())
    assert described.descriptor is None
    assert [p.code for p in described.problems] == ["file-empty"]


def test_write_contract_names_it_once_and_never_replaces_it(tmp_path, settings):
    folder = city(tmp_path, schema=None)
    manifest = folder / "dataset.yaml"
    manifest.write_text("# 収集日程\n" + manifest.read_text("utf-8"), encoding="utf-8")
    descriptor = describe_file(folder / "gomi.csv", settings, ReadOptions()).descriptor
    target = write_contract(folder, descriptor)
    assert json.loads(target.read_text("utf-8")) == descriptor
    text = manifest.read_text("utf-8")
    assert text.startswith("# 収集日程\n") and text.endswith("schema: schema.json\n")
    with pytest.raises(ContractExists) as exists:
        write_contract(folder, {"fields": []})
    assert "accept-schema" in exists.value.message_en
    assert json.loads(target.read_text("utf-8")) == descriptor  # the contract stays


def test_a_standard_dataset_gets_no_inferred_contract(tmp_path):
    folder = city(tmp_path, csv=CALENDAR, schema=None)
    (folder / "dataset.yaml").write_text("id: x\nstandard: aed-installations\n", "utf-8")
    with pytest.raises(FollowsStandard):
        write_contract(folder, {"fields": []})
    assert not (folder / "schema.json").exists()
