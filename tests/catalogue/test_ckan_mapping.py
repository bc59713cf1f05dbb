"""DatasetMeta ↔ CKAN package fields, with no CKAN: round trip, licences, refused tags."""

from __future__ import annotations

import json

import pytest

from tsunagu.catalogue.base import DatasetMeta, ResourceFile
from tsunagu.catalogue.ckan_mapping import (
    is_staging,
    kind_filter,
    kind_of,
    meta_digest,
    meta_from_package,
    package_fields,
    resource_fields,
    solr_phrase,
)

META = DatasetMeta(
    id="kashiwa-aed",
    title_ja="柏市AED設置箇所一覧",
    title_en="Kashiwa AEDs",
    description_ja="市の施設のAED",
    description_en="AEDs in city facilities",
    organisation="kenko",
    organisation_title_ja="健康政策課",
    organisation_title_en="Health Policy Division",
    standard="aed-installations",
    standard_title="AED設置箇所一覧",
    licence="CC-BY-4.0",
    update_frequency="yearly",
    tags=("防災", "AED"),
    municipality_code="122173",
    municipality_name="千葉県柏市",
    spatial={"type": "Polygon", "coordinates": [[[139.9, 35.8], [140.0, 35.8], [139.9, 35.8]]]},
)


def as_ckan_returns(fields: dict) -> dict:
    """What package_show gives back for the created package (extras and tags as lists)."""
    return {**fields, "organization": {"name": fields["owner_org"], "title": "健康政策課"}}


def test_round_trip_gives_back_exactly_what_was_published():
    assert meta_from_package(as_ckan_returns(package_fields(META))) == META


def test_native_fields_and_extras():
    fields = package_fields(META)
    extras = {e["key"]: e["value"] for e in fields["extras"]}
    assert (fields["name"], fields["title"], fields["owner_org"]) == (
        "kashiwa-aed",
        "柏市AED設置箇所一覧",
        "kenko",
    )
    assert fields["notes"] == "市の施設のAED\n\n---\n\nAEDs in city facilities"
    assert json.loads(extras["spatial"]) == META.spatial
    assert extras["municipality_code"] == "122173"
    assert extras["tsunagu_meta_sha256"] == meta_digest(META)
    assert "tsunagu_staging" not in extras


@pytest.mark.parametrize(
    ("licence", "ckan_id"),
    [
        ("CC-BY-4.0", "cc-by"),
        ("CC0-1.0", "cc-zero"),
        ("CC-BY-SA-4.0", "cc-by-sa"),
        ("ODC-BY-1.0", "odc-by"),
        ("PDDL-1.0", "odc-pddl"),
        ("other-open", "other-open"),
    ],
)
def test_licence_ids(licence, ckan_id):
    meta = DatasetMeta(**{**META.__dict__, "licence": licence})
    assert package_fields(meta)["license_id"] == ckan_id


def test_tags_ckan_would_refuse_are_dropped():
    tags = ("防災", "AED", "市", "a/b", "x" * 101, "ok tag", "line\n", "子育て-支援.2024")
    meta = DatasetMeta(**{**META.__dict__, "tags": tags})
    assert [t["name"] for t in package_fields(meta)["tags"]] == [
        "防災",
        "AED",
        "ok tag",
        "子育て-支援.2024",
    ]


def test_staging_mark_only_while_private():
    fields = package_fields(META, staging=True)
    assert is_staging({**fields, "private": True})
    assert not is_staging({**fields, "private": False})
    assert not is_staging({**package_fields(META), "private": True})  # made private by a person


def test_package_made_by_hand_is_described_from_native_fields():
    meta = meta_from_package(
        {
            "name": "hand-made",
            "title": "手作り",
            "notes": "説明",
            "license_id": "cc-by",
            "organization": {"name": "kikaku", "title": "企画課"},
            "tags": [{"name": "統計"}],
            "extras": [{"key": "standard", "value": "population"}],
        }
    )
    assert (meta.id, meta.title_ja, meta.organisation, meta.standard, meta.tags) == (
        "hand-made",
        "手作り",
        "kikaku",
        "population",
        ("統計",),
    )


def test_data_as_of_and_contact_reach_ckan_and_come_back():
    """データ時点 as an extra, 問い合わせ先 in CKAN's own maintainer fields (issue 13); a dataset
    without them keeps its old fingerprint, so CKAN sees no change it did not have."""
    from dataclasses import replace

    contact = {
        "name_ja": "健康政策課",
        "name_en": "Health Policy Division",
        "phone": "04-7167-1111",
        "email": "kenko@example.jp",
        "url": "",
    }
    meta = replace(META, data_as_of="2024-04-01", contact=contact)
    fields = package_fields(meta)
    extras = {e["key"]: e["value"] for e in fields["extras"]}
    assert extras["data_as_of"] == "2024-04-01"
    assert extras["contact_phone"] == "04-7167-1111" and "contact_url" not in extras
    assert (fields["maintainer"], fields["maintainer_email"]) == ("健康政策課", "kenko@example.jp")
    assert meta_from_package(as_ckan_returns(fields)) == meta
    assert "data_as_of" not in META.fingerprint() and "contact" not in META.fingerprint()
    assert "maintainer" not in package_fields(META)


@pytest.mark.parametrize("kind", ["standard", "own-schema", "documents"])
def test_kind_travels_as_an_extra_and_back(kind):
    meta = DatasetMeta(
        **{
            **META.__dict__,
            "kind": kind,
            "standard": "" if kind != "standard" else "aed-installations",
        }
    )
    fields = package_fields(meta)
    assert {e["key"]: e["value"] for e in fields["extras"]}["kind"] == kind
    assert meta_from_package(as_ckan_returns(fields)).kind == kind
    without_meta = [e for e in fields["extras"] if not e["key"].startswith("tsunagu_meta")]
    assert meta_from_package({**as_ckan_returns(fields), "extras": without_meta}).kind == kind


@pytest.mark.parametrize(
    ("extras", "kind"),
    [
        ({"kind": "own-schema"}, "own-schema"),
        ({"standard": "aed-installations"}, "standard"),  # published before the kind extra
        ({"standard": ""}, "documents"),  # made by hand: plain resources
        ({"kind": "statistics?", "standard": "aed-installations"}, "standard"),  # unknown value
    ],
)
def test_kind_of_packages_without_a_known_kind(extras, kind):
    assert kind_of(extras) == kind


def test_kind_filters_agree_with_kind_of_on_packages_without_the_extra():
    assert kind_filter("own-schema") == 'extras_kind:"own-schema"'
    assert kind_filter("standard") == (
        '(extras_kind:"standard" OR (+extras_standard:[* TO *] -extras_kind:[* TO *]))'
    )
    assert kind_filter("documents") == (
        '(extras_kind:"documents" OR (*:* -extras_standard:[* TO *] -extras_kind:[* TO *]))'
    )


def test_a_filter_value_cannot_close_its_phrase():
    assert solr_phrase('a" OR *:* "') == '"a\\" OR *:* \\""'
    assert solr_phrase("a\\") == '"a\\\\"'


def test_a_table_carries_its_schema_as_the_resource_schema_field(tmp_path):
    schema = {"fields": [{"name": "区域", "type": "string"}], "primaryKey": ["区域"]}
    table = ResourceFile("csv", tmp_path / "a.csv", "a.csv", "CSV", "text/csv", "0" * 64, 3,
                         table_schema=schema)  # fmt: skip
    fields = resource_fields(table)
    assert json.loads(fields["schema"]) == schema and fields["tsunagu_key"] == "csv"
    assert "区域" in fields["schema"]  # readable JSON text, not \\u escapes
    document = ResourceFile("doc1", tmp_path / "r.pdf", "r.pdf", "PDF", "application/pdf",
                            "0" * 64, 3)  # fmt: skip
    assert "schema" not in resource_fields(document)  # a document has no table schema
