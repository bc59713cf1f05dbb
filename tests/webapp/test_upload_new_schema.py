"""A new dataset no standard covers, from the upload page (issue 15, kind 3): the site infers
its Table Schema as ``tsunagu describe`` does, shows it, and only on the department's explicit
confirmation writes it beside the upload's manifest as the contract; then validate → publish →
a drifted re-upload blocked → the new schema accepted → published. Through the real routes,
with CSRF and department permissions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.webapp.test_department_updates import _form, _upload
from tests.webapp.test_upload import csrf_token, settled, sign_in, state, upload_id
from tsunagu.config import load_settings
from tsunagu.errors import DatasetNotFound
from tsunagu.services.tokens import TokenStore
from tsunagu.webapp import create_app

DATASET = "kashiwa-gomi-calendar"
#: A calendar no standard covers: 和暦 dates, a unit in a header, a short closed list (品目).
CALENDAR = (
    "区域,品目,曜日,回数（回）,開始日\n"
    "柏１丁目,可燃ごみ,月・木,2,令和6年4月1日\n"
    "柏１丁目,資源品,水,1,令和6年4月3日\n"
    "柏２丁目,可燃ごみ,火・金,2,R6.4.2\n"
    "柏２丁目,資源品,木,1,R6.4.4\n"
    "柏３丁目,可燃ごみ,月・木,2,2024/04/01\n"
    "柏３丁目,資源品,金,1,2024/04/05\n"
)


def calendar_file(tmp_path: Path, text: str = CALENDAR, name: str = "ごみ収集日程.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def drifted(tmp_path: Path) -> Path:
    """The same calendar with a column the contract does not know (担当)."""
    header, *rows = CALENDAR.splitlines()
    text = "\n".join([header + ",担当", *(r + ",清掃課" for r in rows)]) + "\n"
    return calendar_file(tmp_path, text, "ごみ収集日程_改.csv")


@pytest.fixture
def site(tmp_path):
    """The app over an empty instance (the default local catalogue), tokens for two
    departments, and the signed-in client of the first."""
    settings = load_settings({"data_dir": tmp_path / "instance"}, env={})
    settings.data_dir.mkdir(parents=True)
    app = create_app(settings)
    store = TokenStore(settings.database)
    tokens = {dept: store.create(dept).token for dept in ("seiso", "kenko")}
    client = app.test_client()
    assert sign_in(client, tokens["seiso"]).status_code == 303
    return app, client, settings, tokens


def _new(client, path: Path, **fields: str):
    data = _form(client, "/upload")
    data.update(
        dataset_id=DATASET,
        title_ja="ごみ収集日程",
        title_en="Garbage collection calendar",
        standard="own:new",
    )
    data.update(fields)
    return _upload(client, data, path)


def _audit(settings) -> list[dict]:
    lines = (settings.data_dir / "audit.jsonl").read_text("utf-8").split("\n")
    return [json.loads(line) for line in lines if line]


def test_new_dataset_schema_is_proposed_confirmed_published_then_drift_accepted(site, tmp_path):
    app, client, settings, tokens = site
    assert 'value="own:new"' in client.get("/upload").text  # offered beside the standards
    ident = upload_id(_new(client, calendar_file(tmp_path)))
    page = settled(client, ident)
    assert state(page.text) == "proposed", page.text[-3000:]
    folder = settings.data_dir / "uploads" / "seiso" / ident
    manifest = yaml.safe_load((folder / "dataset.yaml").read_text("utf-8"))
    assert "standard" not in manifest and "schema" not in manifest
    assert not (folder / "schema.json").exists()  # shown, not written, until confirmed

    # The proposal is tsunagu describe's: types after 和暦, required, enum, unit.
    assert 'id="proposal"' in page.text and 'id="publish"' not in page.text
    for name, kind in (("開始日", "date"), ("回数（回）", "integer"), ("品目", "string")):
        assert f'<tr data-field="{name}"><th scope="row">{name}</th><td data-type="{kind}">' in (
            page.text
        )
    assert "可燃ごみ、資源品" in page.text  # the short closed list, shown as an enum
    assert '<td data-required="yes">' in page.text and "<td>回</td>" in page.text

    refused = client.post(f"/upload/{ident}/publish", data={"csrf_token": csrf_token(page.text)})
    assert refused.status_code == 409  # nothing is published before the schema is confirmed
    no_csrf = client.post(f"/upload/{ident}/confirm-schema", data={"confirm_schema": "yes"})
    assert no_csrf.status_code == 400
    unchecked = client.post(
        f"/upload/{ident}/confirm-schema", data={"csrf_token": csrf_token(page.text)}
    )
    assert unchecked.status_code == 409 and 'id="confirm-refused"' in unchecked.text
    other = app.test_client()  # another department may neither see nor confirm it
    assert sign_in(other, tokens["kenko"]).status_code == 303
    form = csrf_token(other.get("/upload").text)
    stolen = other.post(
        f"/upload/{ident}/confirm-schema", data={"csrf_token": form, "confirm_schema": "yes"}
    )
    assert stolen.status_code == 403
    assert not (folder / "schema.json").exists()
    with pytest.raises(DatasetNotFound):
        app.extensions["tsunagu"].catalogue.get_dataset(DATASET)

    confirmed = client.post(
        f"/upload/{ident}/confirm-schema",
        data={"csrf_token": csrf_token(page.text), "confirm_schema": "yes"},
    )
    assert confirmed.status_code == 303
    page = settled(client, ident)
    assert state(page.text) == "valid", page.text[-3000:]
    assert 'id="schema-confirmed"' in page.text and 'id="proposal"' not in page.text
    contract = json.loads((folder / "schema.json").read_text("utf-8"))
    assert [f["name"] for f in contract["fields"]] == [
        "区域",
        "品目",
        "曜日",
        "回数（回）",
        "開始日",
    ]
    assert yaml.safe_load((folder / "dataset.yaml").read_text("utf-8"))["schema"] == "schema.json"
    [record] = [r for r in _audit(settings) if r["action"] == "schema-confirmed"]
    assert (record["actor"], record["dataset"]) == ("department:seiso", DATASET)
    replay = client.post(
        f"/upload/{ident}/confirm-schema",
        data={"csrf_token": csrf_token(page.text), "confirm_schema": "yes"},
    )
    assert replay.status_code == 409 and "確認待ちのスキーマがありません" in replay.text

    published = client.post(f"/upload/{ident}/publish", data={"csrf_token": csrf_token(page.text)})
    assert published.status_code == 303
    assert state(settled(client, ident).text) == "published"
    record = app.extensions["tsunagu"].catalogue.get_dataset(DATASET)
    assert (record.meta.organisation, record.meta.kind) == ("seiso", "own-schema")
    rows = client.get(f"/api/v1/datasets/{DATASET}/rows?limit=10").get_json()
    assert "2024-04-02" in json.dumps(rows, ensure_ascii=False)  # R6.4.2, converted

    # The contract holds: a file with a new column is drift, blocked until accepted.
    update = _form(client, f"/upload?update={DATASET}")
    assert update["standard"] == ""  # the dataset's own schema, not a standard
    assert 'value="own:new"' not in client.get(f"/upload?update={DATASET}").text
    again = upload_id(_upload(client, update, drifted(tmp_path)))
    page = settled(client, again)
    assert state(page.text) == "invalid"
    assert 'data-code="schema-drift-added"' in page.text and 'id="accept-schema"' in page.text
    accepted = client.post(
        f"/upload/{again}/accept-schema",
        data={"csrf_token": csrf_token(page.text), "confirm_schema": "yes"},
    )
    assert accepted.status_code == 303
    page = settled(client, again)
    assert state(page.text) == "valid", page.text[-3000:]
    client.post(f"/upload/{again}/publish", data={"csrf_token": csrf_token(page.text)})
    assert state(settled(client, again).text) == "published"
    rows = client.get(f"/api/v1/datasets/{DATASET}/rows?limit=1").get_json()
    assert "担当" in json.dumps(rows, ensure_ascii=False)


def test_no_standard_cannot_replace_a_published_datasets_contract(site, tmp_path):
    _app, client, _settings, _tokens = site
    ident = upload_id(_new(client, calendar_file(tmp_path)))
    page = settled(client, ident)
    client.post(
        f"/upload/{ident}/confirm-schema",
        data={"csrf_token": csrf_token(page.text), "confirm_schema": "yes"},
    )
    page = settled(client, ident)
    client.post(f"/upload/{ident}/publish", data={"csrf_token": csrf_token(page.text)})
    assert state(settled(client, ident).text) == "published"
    response = _new(client, calendar_file(tmp_path))  # the same id, "no standard" again
    assert response.status_code == 400
    assert "新しいデータセットのときだけ" in response.text


def test_a_file_that_cannot_be_read_is_reported_not_proposed(site, tmp_path):
    _app, client, settings, _tokens = site
    ident = upload_id(_new(client, calendar_file(tmp_path, "")))
    page = settled(client, ident)
    assert state(page.text) == "invalid"
    assert 'data-code="file-empty"' in page.text and 'id="proposal"' not in page.text
    assert not (settings.data_dir / "uploads" / "seiso" / ident / "schema.json").exists()


def test_a_layer_without_a_standard_is_proposed_confirmed_and_mapped(site, tmp_path):
    """The same confirmation for a GIS layer: its attributes (and, for points, the attribute
    CSV's 緯度/経度) are the schema, and once published it has features like any layer."""
    _app, client, settings, _tokens = site
    points = [("柏第一小学校", 500, 139.9757, 35.8676), ("柏中学校", 800, 139.9801, 35.8702)]
    layer = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"名称": name, "収容人数": people},
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            }
            for name, people, lon, lat in points
        ],
    }
    path = tmp_path / "避難所.geojson"
    path.write_text(json.dumps(layer, ensure_ascii=False), encoding="utf-8")
    ident = upload_id(_new(client, path, dataset_id="kashiwa-shelters-web"))
    page = settled(client, ident)
    assert state(page.text) == "proposed", page.text[-3000:]
    fields = [f["name"] for f in json.loads(
        (settings.data_dir / "uploads" / "seiso" / ident / "proposed-schema.json").read_text()
    )["fields"]]  # fmt: skip
    assert fields == ["名称", "収容人数", "緯度", "経度"]  # points: the CSV's lat/lon, no geometry
    token = csrf_token(page.text)
    client.post(
        f"/upload/{ident}/confirm-schema", data={"csrf_token": token, "confirm_schema": "yes"}
    )
    page = settled(client, ident)
    assert state(page.text) == "valid", page.text[-3000:]
    client.post(f"/upload/{ident}/publish", data={"csrf_token": csrf_token(page.text)})
    assert state(settled(client, ident).text) == "published"
    features = client.get("/api/v1/datasets/kashiwa-shelters-web/features").get_json()
    assert [f["properties"]["名称"] for f in features["features"]] == ["柏第一小学校", "柏中学校"]
