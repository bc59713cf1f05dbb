"""A department keeping its dataset up to date through the real routes (issue 14): my datasets,
update with the usual file keeping the saved manifest, the column-mapping screen, the change
summary and the server-side refusal of an unconfirmed loss, ownership at the start."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.webapp.test_upload import csrf_token, settled, sign_in, state, upload_id
from tsunagu.config import load_settings
from tsunagu.webapp import create_app
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
    shutil.copy(KASHIWA / "municipality.yaml", datasets / "municipality.yaml")
    data_dir = tmp_path / "instance"
    done = subprocess.run(  # our own CLI, fixed arguments
        [sys.executable, "-m", "tsunagu", "--data-dir", str(data_dir), "publish", str(datasets)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    settings = load_settings({"data_dir": data_dir, "datasets_dir": datasets}, env={})
    app = create_app(settings)
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
