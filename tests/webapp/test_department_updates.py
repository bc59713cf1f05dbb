"""A department keeping its dataset up to date through the real routes (issue 14): my datasets,
update with the usual file keeping the saved manifest, the column-mapping screen, the change
summary and the server-side refusal of an unconfirmed loss, ownership at the start."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tests.webapp.department_support import published_site
from tests.webapp.test_upload import csrf_token, settled, sign_in, state, upload_id
from tsunagu.webapp.auth import TokenStore

REPO = Path(__file__).resolve().parents[2]
KASHIWA = REPO / "datasets" / "kashiwa"
AED = KASHIWA / "kenko" / "aed-installations"
USUAL = AED / "AED設置場所一覧.csv"


def department_site(tmp_path: Path) -> tuple[object, dict[str, str]]:
    """The AED dataset published by the CLI from a copy of its folder (kenko), and the web app
    over the same data dir with a token each for kenko and bousai."""
    datasets = tmp_path / "datasets"
    shutil.copytree(AED, datasets / "kenko" / "aed-installations")
    app, settings = published_site(tmp_path)
    store = TokenStore(settings.database)
    return app, {"kenko": store.create("kenko").token, "bousai": store.create("bousai").token}


@pytest.fixture
def site(tmp_path):
    return department_site(tmp_path)


def _form(client, url: str) -> dict[str, str]:
    """The upload form's fields as the page pre-fills them (what a browser would send)."""
    import re

    html = client.get(url).text
    data = {"csrf_token": csrf_token(html)}
    for name, value in re.findall(
        r'<input type="text" id="(\w+)" name="\w+" value="([^"]*)"', html
    ):
        data[name] = value
    for name, body in re.findall(r'<textarea id="(\w+)"[^>]*>([^<]*)</textarea>', html):
        data[name] = body
    for name, options in re.findall(r'<select id="(\w+)" name="\w+">(.*?)</select>', html):
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        data[name] = chosen.group(1) if chosen else re.search(r'value="([^"]*)"', options).group(1)
    import html as html_lib

    return {k: html_lib.unescape(v) for k, v in data.items()}


def _upload(client, data: dict[str, str], path: Path, name: str | None = None):
    with path.open("rb") as fh:
        return client.post(
            "/upload",
            data={**data, "file": (fh, name or path.name)},
            content_type="multipart/form-data",
        )


def test_my_datasets_lists_the_departments_own_with_status_and_update(site):
    app, tokens = site
    client = app.test_client()
    sign_in(client, tokens["kenko"])
    page = client.get("/upload/mine")
    assert page.status_code == 200
    assert 'data-dataset="kashiwa-aed-installations"' in page.text
    assert "公開中" in page.text and "毎年" in page.text
    assert 'href="/upload?update=kashiwa-aed-installations"' in page.text
    other = app.test_client()
    sign_in(other, tokens["bousai"])
    assert "kashiwa-aed-installations" not in other.get("/upload/mine").text


def test_update_with_the_usual_file_keeps_mapping_and_metadata(site):
    app, tokens = site
    client = app.test_client()
    sign_in(client, tokens["kenko"])
    data = _form(client, "/upload?update=kashiwa-aed-installations")
    assert data["title_ja"] == "AED設置場所一覧"
    assert data["description_ja"].startswith("柏市の公共施設")
    ident = upload_id(_upload(client, data, USUAL))
    page = settled(client, ident)
    assert state(page.text) == "valid", page.text[-3000:]
    saved = yaml.safe_load((AED / "dataset.yaml").read_text(encoding="utf-8"))
    assert "内容は公開中の版と同じです" in page.text  # the usual file → no change at all
    assert 'data-needs-confirmation="no"' in page.text
    manifest = (
        app.extensions["tsunagu"].settings.data_dir / "uploads" / "kenko" / ident / "dataset.yaml"
    )
    written = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    for key in ("columns", "constants", "layout", "description", "tags", "title"):
        assert written[key] == saved[key], key
    assert written["sources"][0]["header_row"] == 2


def _mapping_form(html: str) -> dict[str, str]:
    """The mapping screen's selects with their pre-selected options, and the column names."""
    import re

    data = {"csrf_token": csrf_token(html)}
    for name, options in re.findall(
        r'<select id="([\w-]+)" name="[\w-]+"[^>]*>(.*?)</select>', html, re.S
    ):
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        data[name] = chosen.group(1) if chosen else ""
    return data


def test_new_columns_mapped_values_mapped_preview_loss_refused_until_confirmed(site):
    import re

    app, tokens = site
    settings = app.extensions["tsunagu"].settings
    client = app.test_client()
    sign_in(client, tokens["kenko"])
    data = _form(client, "/upload?update=kashiwa-aed-installations")
    new = Path(__file__).parents[1] / "data" / "webapp" / "updates" / "aed_new_columns.csv"
    ident = upload_id(_upload(client, data, new, "AED設置場所一覧（令和7年度）.csv"))
    page = settled(client, ident)
    assert state(page.text) == "invalid"  # ○/× are not 有/無
    assert 'id="needs-mapping"' in page.text
    assert "AED設置場所一覧（令和7年度）.csv" in page.text
    assert ">エラー<" in page.text  # severities in Japanese

    screen = client.get(f"/upload/{ident}/columns")
    assert screen.status_code == 200
    columns = re.findall(r'<tr data-column="([^"]+)"', screen.text)
    assert "英語名" in columns and "管理番号" in columns
    form = _mapping_form(screen.text)
    english = columns.index("英語名")
    pad = columns.index("小児用パッド")
    form[f"col-{english}"] = "名称_英語"
    values = re.findall(rf'id="val-{pad}-(\d+)" name="[^"]+" data-value="([^"]+)"', screen.text)
    assert {v for _, v in values} == {"○", "×"}
    for j, value in values:
        form[f"val-{pad}-{j}"] = {"○": "有", "×": "無"}[value]
    form["layout"] = "current"
    saved = client.post(f"/upload/{ident}/columns", data=form)
    assert saved.status_code == 303
    page = settled(client, ident)
    assert state(page.text) == "valid", page.text[-3000:]
    manifest = yaml.safe_load(
        (settings.data_dir / "uploads" / "kenko" / ident / "dataset.yaml").read_text("utf-8")
    )
    assert manifest["columns"]["英語名"] == "名称_英語"
    assert manifest["values"]["小児用パッド"] == {"○": "有", "×": "無"}
    assert manifest["columns"]["施設名"] == "名称"  # the saved mapping is still there
    assert 'id="changes"' in page.text and 'class="preview-rows"' in page.text
    assert "Facility 1" in page.text  # the converted rows, mapped
    publish = client.post(f"/upload/{ident}/publish", data={"csrf_token": csrf_token(page.text)})
    assert publish.status_code == 303
    assert state(settled(client, ident).text) == "published"

    fewer = Path(__file__).parents[1] / "data" / "webapp" / "updates" / "aed_fewer.csv"
    data = _form(client, "/upload?update=kashiwa-aed-installations")
    ident = upload_id(_upload(client, data, fewer))
    page = settled(client, ident)
    assert state(page.text) == "valid", page.text[-3000:]
    assert 'data-needs-confirmation="yes"' in page.text
    assert "19 → 5" in page.text
    token = csrf_token(page.text)
    refused = client.post(f"/upload/{ident}/publish", data={"csrf_token": token})
    assert refused.status_code == 409
    assert 'id="loss-refused"' in refused.text and 'id="confirm_loss"' in refused.text
    assert state(client.get(f"/upload/{ident}").text) == "valid"  # nothing was published
    versions = app.extensions["tsunagu"].catalogue.list_versions("kashiwa-aed-installations")
    assert len(versions) == 2
    confirmed = client.post(
        f"/upload/{ident}/publish", data={"csrf_token": token, "confirm_loss": "yes"}
    )
    assert confirmed.status_code == 303
    assert state(settled(client, ident).text) == "published"


def test_another_departments_dataset_is_refused_when_the_upload_starts(site):
    app, tokens = site
    client = app.test_client()
    sign_in(client, tokens["bousai"])
    page = client.get("/upload?update=kashiwa-aed-installations")
    assert page.status_code == 403
    assert "他の部署のもの" in page.text
    data = _form(client, "/upload")
    data.update(
        dataset_id="kashiwa-aed-installations",
        title_ja="乗っ取り",
        standard="aed-installations",
    )
    refused = _upload(client, data, USUAL)
    assert refused.status_code == 403
    assert "他の部署のもの" in refused.text
    uploads = app.extensions["tsunagu"].settings.data_dir / "uploads" / "bousai"
    assert not uploads.exists() or not any(uploads.iterdir())  # nothing stored
    english = client.get("/upload?update=kashiwa-aed-installations&lang=en")
    assert "belongs to another department" in english.text


def test_tampered_mapping_and_a_file_that_is_not_a_table(site, tmp_path):
    app, tokens = site
    settings = app.extensions["tsunagu"].settings
    client = app.test_client()
    sign_in(client, tokens["kenko"])
    data = _form(client, "/upload?update=kashiwa-aed-installations")
    ident = upload_id(_upload(client, data, USUAL))
    settled(client, ident)
    before = (settings.data_dir / "uploads" / "kenko" / ident / "dataset.yaml").read_text("utf-8")
    screen = client.get(f"/upload/{ident}/columns")
    form = _mapping_form(screen.text)
    form["col-0"] = "no-such-field"
    form["layout"] = "../../etc"
    assert client.post(f"/upload/{ident}/columns", data=form).status_code == 303
    settled(client, ident)
    after = yaml.safe_load(
        (settings.data_dir / "uploads" / "kenko" / ident / "dataset.yaml").read_text("utf-8")
    )
    assert "no-such-field" not in after["columns"].values()
    assert after["layout"] == "current"
    assert yaml.safe_load(before)["columns"]["No"] is None

    other = app.test_client()
    sign_in(other, tokens["bousai"])
    assert other.get(f"/upload/{ident}/columns").status_code == 403

    picture = tmp_path / "photo.csv"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    data = _form(client, "/upload?update=kashiwa-aed-installations")
    ident = upload_id(_upload(client, data, picture))
    page = settled(client, ident)
    assert state(page.text) in ("invalid", "failed")
    assert "Traceback" not in page.text
    assert "photo.csv" in page.text
