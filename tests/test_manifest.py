"""Manifests: every Kashiwa sample manifest loads, and a bad one names its file and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tsunagu.config import PROJECT_ROOT
from tsunagu.errors import ManifestError
from tsunagu.manifest import (
    find_manifests,
    load_manifest,
    load_municipality,
)

KASHIWA = PROJECT_ROOT / "datasets" / "kashiwa"
KASHIWA_MANIFESTS = list(find_manifests(KASHIWA))


def test_kashiwa_has_the_sample_datasets() -> None:
    ids = {load_manifest(path).id for path in KASHIWA_MANIFESTS}
    assert {
        "kashiwa-aed-installations",
        "kashiwa-designated-emergency-evacuation-sites",
        "kashiwa-public-toilets",
        "kashiwa-child-care-facilities",
        "kashiwa-cultural-properties",
        "kashiwa-events",
        "kashiwa-population-by-area-and-age",
        "kashiwa-public-wireless-lan",
    } <= ids


@pytest.mark.parametrize("path", KASHIWA_MANIFESTS, ids=lambda p: p.parent.name)
def test_kashiwa_manifest_loads(path: Path) -> None:
    manifest = load_manifest(path)
    assert manifest.municipality is not None
    assert manifest.municipality.code == "122173"
    assert manifest.department.slug in manifest.municipality.departments
    assert manifest.licence == "CC-BY-4.0"
    assert manifest.title.ja
    assert manifest.title.en != manifest.title.ja
    assert all(spec.path.is_file() for spec in manifest.sources)


def test_kashiwa_municipality() -> None:
    city = load_municipality(KASHIWA / "municipality.yaml")
    assert (city.code, city.name) == ("122173", "千葉県柏市")
    assert city.departments["bousai"].name.ja == "防災安全課"
    assert city.departments["bousai"].name.en == "Disaster Prevention and Safety Division"
    assert {"kenko", "hoiku", "bunka", "koen", "johoseisaku", "shimin", "kanko"} <= set(
        city.departments
    )


def test_kashiwa_ids_are_unique() -> None:
    ids = [load_manifest(path).id for path in KASHIWA_MANIFESTS]
    assert len(ids) == len(set(ids))


def test_cultural_properties_documents_one_known_problem() -> None:
    manifest = load_manifest(KASHIWA / "bunka/cultural-properties/dataset.yaml")
    assert manifest.known_problems == (
        {
            "code": "constraint-error",
            "row": 8,
            "column": "文化財名",
            "note": manifest.known_problems[0]["note"],
        },
    )
    assert "布施弁天の鐘楼" in manifest.known_problems[0]["note"]


GOOD = {
    "id": "kashiwa-test-aed",
    "title": {"ja": "AED設置場所一覧", "en": "AED installations"},
    "department": "kenko",
    "standard": "aed-installations",
    "licence": "CC-BY-4.0",
    "sources": [{"path": "aed.csv", "header_row": 2}],
    "columns": {"施設名": "名称", "No": None},
}


@pytest.fixture
def write_manifest(tmp_path: Path):
    """Write a city folder with one dataset and return the manifest path for ``data``."""
    (tmp_path / "municipality.yaml").write_text(
        'code: "122173"\nname: 千葉県柏市\ndepartments:\n  kenko: {ja: 健康政策課, en: Health}\n',
        encoding="utf-8",
    )
    folder = tmp_path / "kenko" / "aed"
    folder.mkdir(parents=True)
    (folder / "aed.csv").write_bytes("施設名\r\n柏市役所\r\n".encode("cp932"))

    def _write(data: dict) -> Path:
        path = folder / "dataset.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return path

    return _write


def _changed(**changes: object) -> dict:
    data = {**GOOD, **changes}
    return {k: v for k, v in data.items() if v is not None}


def test_good_manifest_in_tmp_loads(write_manifest) -> None:
    manifest = load_manifest(write_manifest(GOOD))
    assert manifest.id == "kashiwa-test-aed"
    assert manifest.department.name.ja == "健康政策課"
    assert manifest.sources[0].header_row == 2
    assert manifest.columns == {"施設名": "名称", "No": None}


@pytest.mark.parametrize(
    ("data", "field", "says"),
    [
        ({k: v for k, v in GOOD.items() if k != "id"}, "id", '"" must be'),
        (_changed(id="Kashiwa AED"), "id", '"Kashiwa AED" must be'),
        (_changed(colums={"施設名": "名称"}), "colums", "unknown field"),
        (_changed(licence="CC-BY-NC-4.0"), "licence", '"CC-BY-NC-4.0" is not one of'),
        (_changed(sources=[{"path": "../aed.csv"}]), "sources[0].path", "must be relative"),
        (_changed(sources=[{"path": "missing.csv"}]), "sources[0].path", "file not found"),
        (_changed(department="doboku"), "department", '"doboku" is not in municipality.yaml'),
    ],
    ids=["missing-id", "bad-id", "unknown-field", "licence", "dotdot", "missing-file", "dept"],
)
def test_bad_manifest_names_file_and_field(write_manifest, data, field, says) -> None:
    path = write_manifest(data)
    with pytest.raises(ManifestError) as caught:
        load_manifest(path)
    error = caught.value
    assert str(path) in error.message_en
    assert f"field '{field}'" in error.message_en
    assert says in error.message_en
    assert f"項目「{field}」" in error.message_ja
    assert error.code == "manifest-invalid"


@pytest.mark.parametrize("field", ["id", "department"])
def test_identifier_with_a_trailing_newline_is_refused(tmp_path: Path, field: str) -> None:
    """Issue 16: ``^…$`` accepted "kashiwa-public-toilets\\n", published beside the real one."""
    folder = tmp_path / "kashiwa" / "koen" / "toilets"
    folder.mkdir(parents=True)
    source = KASHIWA_MANIFESTS[0]
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    for spec in data.get("sources", []):
        (folder / spec["path"]).write_bytes((source.parent / spec["path"]).read_bytes())
    if field == "id":
        data["id"] = "kashiwa-public-toilets\n"
    else:
        data["department"] = data["department"] + "\n"
    (folder / "dataset.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(ManifestError) as info:
        load_manifest(folder / "dataset.yaml")
    assert field in str(info.value)


@pytest.mark.parametrize(
    ("contact", "field", "says"),
    [
        ({"phone": "電話してください"}, "contact.phone", "is not a phone number"),
        ({"email": "kenko.example.jp"}, "contact.email", "is not an e-mail address"),
        ({"url": "www.example.jp"}, "contact.url", "is not an http(s) address"),
        ({"name": "救急係"}, "contact", "needs at least one of phone, email or url"),
        ({"fax": "04-7167-1111"}, "contact.fax", "unknown field"),
    ],
    ids=["phone", "email", "url", "no-means", "unknown-key"],
)
def test_bad_contact_names_file_and_field(write_manifest, contact, field, says) -> None:
    path = write_manifest(_changed(contact=contact))
    with pytest.raises(ManifestError) as caught:
        load_manifest(path)
    assert str(path) in caught.value.message_en
    assert f"field '{field}'" in caught.value.message_en and says in caught.value.message_en
    assert f"項目「{field}」" in caught.value.message_ja


def test_contact_without_a_department_contact_takes_the_department_name(write_manifest):
    manifest = load_manifest(write_manifest(_changed(contact={"email": "aed@example.jp"})))
    assert manifest.contact is not None
    assert (manifest.contact.name.ja, manifest.contact.email) == ("健康政策課", "aed@example.jp")
    assert load_manifest(write_manifest(GOOD)).contact is None


def test_bad_department_contact_names_municipality_yaml(tmp_path: Path) -> None:
    path = tmp_path / "municipality.yaml"
    path.write_text(
        'code: "122173"\nname: 千葉県柏市\ndepartments:\n'
        "  kenko: {ja: 健康政策課, contact: {email: nobody}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ManifestError) as caught:
        load_municipality(path)
    assert f"{path}: field 'departments.kenko.contact.email'" in caught.value.message_en


@pytest.mark.parametrize(
    ("written", "kept"),
    [("2024-04-01", "2024-04-01"), ("令和6年4月1日", "令和6年4月1日"), (None, None)],
)
def test_data_as_of_is_kept_as_written(write_manifest, written, kept) -> None:
    """YAML reads 2024-04-01 as a date; the publisher reads the text (tests/publisher)."""
    path = write_manifest(_changed(data_as_of=written))
    if written == "2024-04-01":  # unquoted, as a person types it
        text = path.read_text(encoding="utf-8").replace("'2024-04-01'", "2024-04-01")
        path.write_text(text, encoding="utf-8")
    assert load_manifest(path).data_as_of == kept


def test_a_municipality_field_of_the_wrong_type_names_file_and_field(tmp_path: Path) -> None:
    from tsunagu.manifest import load_municipality

    path = tmp_path / "municipality.yaml"
    path.write_text("code: 122173\nname: 千葉県柏市\ndepartments:\n  kenko: [健康]\n", "utf-8")
    with pytest.raises(ManifestError) as caught:
        load_municipality(path)
    assert f"{path}: field 'departments.kenko'" in caught.value.message_en
    assert f"{path} の項目「departments.kenko」" in caught.value.message_ja
    path.write_text("code: 122173\nname: 千葉県柏市\n", "utf-8")
    assert load_municipality(path).code == "122173"  # a YAML number is the code as written


def test_statistics_long_form_is_read_with_its_column_names(write_manifest) -> None:
    statistics = {"header_rows": 2, "shape": "long", "names": ["性別", "年齢", "人口"]}
    manifest = load_manifest(write_manifest(_changed(statistics=statistics)))
    assert manifest.statistics.shape == "long"
    assert manifest.statistics.names == ("性別", "年齢", "人口")
    default = load_manifest(write_manifest(_changed(statistics={"header_rows": 2})))
    assert default.statistics.shape == "wide"
    assert default.statistics.names == ("区分1", "区分2", "値")


@pytest.mark.parametrize(
    ("statistics", "says"),
    [
        ({"header_rows": 2, "shape": "tall"}, "statistics.shape: Input should be 'wide' or 'long'"),
        ({"shape": "long"}, "statistics.shape: long needs header_rows: 2"),
        ({"header_rows": 2, "shape": "long", "names": ["性別"]}, "statistics.names: List should"),
        ({"header_rows": 2, "shape": "long", "names": ["a", "a", "b"]}, "statistics.names: three"),
    ],
    ids=["shape", "one-row-header", "too-few-names", "same-names"],
)
def test_a_wrong_long_form_names_file_and_field(write_manifest, statistics, says) -> None:
    path = write_manifest(_changed(statistics=statistics))
    with pytest.raises(ManifestError) as caught:
        load_manifest(path)
    assert str(path) in caught.value.message_en
    assert "field 'statistics'" in caught.value.message_en
    assert says in caught.value.message_en
    assert "項目「statistics」" in caught.value.message_ja
