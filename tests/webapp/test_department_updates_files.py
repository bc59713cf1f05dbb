"""A dataset of several files updated through the real routes (issue 14): the department sends
one of its files, the other stays as published, and a file leaves only when confirmed."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tests.services.test_uploads import two_file_dataset
from tests.webapp.department_support import published_site
from tests.webapp.test_department_updates import _form
from tests.webapp.test_upload import csrf_token, settled, sign_in, state, upload_id
from tsunagu.webapp.auth import TokenStore

REPO = Path(__file__).resolve().parents[2]
KASHIWA = REPO / "datasets" / "kashiwa"
DATASET = "kashiwa-aed-installations"


def _site(tmp_path: Path):
    datasets = tmp_path / "datasets"
    folder = two_file_dataset(datasets / "kenko" / "aed")
    app, settings = published_site(tmp_path)
    return app, TokenStore(settings.database).create("kenko").token, folder


def _post(client, data: dict[str, str], files: dict[str, tuple[Path, str]], **extra):
    handles = {field: (path.open("rb"), name) for field, (path, name) in files.items()}
    try:
        return client.post(
            "/upload", data={**data, **handles, **extra}, content_type="multipart/form-data"
        )
    finally:
        for fh, _name in handles.values():
            fh.close()


def _checksums(app) -> dict[str, str]:
    record = app.extensions["tsunagu"].catalogue.get_dataset(DATASET)
    return {r.key: r.sha256 for r in record.resources}


def test_one_file_updated_the_other_kept_and_a_removal_only_when_confirmed(tmp_path):
    app, token, folder = _site(tmp_path)
    before = _checksums(app)
    assert "csv" in before and "south-csv" in before
    client = app.test_client()
    sign_in(client, token)
    page = client.get(f"/upload?update={DATASET}")
    assert re.findall(r'<tr data-source="([^"]+)">', page.text) == ["main", "south"]
    assert "北部.csv" in page.text and "南部.csv" in page.text

    # The south file with most of its rows gone, chosen on the page under another name; north
    # is not sent. The loss is in a part that is not the first: still never silent.
    south = tmp_path / "south-new.csv"
    south.write_bytes(b"".join((folder / "南部.csv").read_bytes().splitlines(True)[:4]))
    data = _form(client, f"/upload?update={DATASET}")
    first = upload_id(_post(client, data, {"file-1": (south, "南部（令和7年度）.csv")}))
    page = client.get(f"/upload/{first}")  # the stored upload says so before any check runs
    assert re.search(r'data-source="main" data-kept="yes"', page.text)
    assert re.search(r'data-source="south" data-kept="no"', page.text)
    kept = app.extensions["tsunagu"].settings.data_dir / "uploads" / "kenko" / first / "kept-1.csv"
    assert kept.read_bytes() == (folder / "北部.csv").read_bytes()  # north: as published
    # (publishing it, and the resources after: the browser test)
    again = client.get(f"/upload?again={first}").text  # 「別のファイルを登録する」
    assert re.findall(r'<tr data-source="([^"]+)">', again) == ["main", "south"]

    # No file at all (neither input): refused on the form, not a 500.
    empty = client.post(f"/upload?update={DATASET}", data=data, content_type="multipart/form-data")
    assert empty.status_code == 400 and "ファイルを選んでください" in empty.text

    # A file that matches no part by name, sent without a choice: refused on the form.
    data = _form(client, f"/upload?update={DATASET}")
    refused = _post(client, data, {"file": (south, "別名.csv")})
    assert refused.status_code == 400
    assert "どのファイル" in refused.text and 'id="file-error"' in refused.text

    # Removing south without the confirmation: refused, the choice kept on the page.
    north = folder / "北部.csv"
    data = _form(client, f"/upload?update={DATASET}")
    refused = _post(client, data, {"file": (north, "北部.csv")}, remove="1")
    assert refused.status_code == 400
    assert "確認のチェック" in refused.text and 'id="remove-1" checked' in refused.text
    ident = upload_id(
        _post(client, data, {"file": (north, "北部.csv")}, remove="1", confirm_remove="yes")
    )
    page = client.get(f"/upload/{ident}")  # the stored upload says so before any check runs
    assert 'data-source="south" data-removed="yes"' in page.text
    manifest = app.extensions["tsunagu"].settings.data_dir / "uploads" / "kenko" / ident
    assert [
        s["path"] for s in yaml.safe_load((manifest / "dataset.yaml").read_text("utf-8"))["sources"]
    ] == ["source.csv"]
    page = settled(client, first)
    assert state(page.text) == "valid", page.text[-3000:]
    assert 'id="changes" data-needs-confirmation="yes"' in page.text
    assert "公開中の版との違い: 南部（令和7年度）.csv" in page.text and "9 → 2" in page.text
    token = csrf_token(page.text)
    refused = client.post(f"/upload/{first}/publish", data={"csrf_token": token})
    assert refused.status_code == 409 and 'id="confirm_loss"' in refused.text
    assert state(settled(client, ident).text) == "valid"
    assert _checksums(app) == before  # nothing is published until asked and confirmed
