"""A department's own-schema dataset updated from the web (issue 15): the new file's changed shape
blocks the upload as schema drift, and the upload page offers to accept the new schema — with a
confirmation, through the same drift step as ``tsunagu publish --accept-schema``, the old
contract kept, the acceptance audited with the department — instead of sending it to the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.webapp.department_support import published_site
from tests.webapp.test_department_updates import _form, _upload
from tests.webapp.test_upload import csrf_token, settled, sign_in, state, upload_id
from tsunagu.webapp.auth import TokenStore

REPO = Path(__file__).resolve().parents[2]
KASHIWA = REPO / "datasets" / "kashiwa"
CALENDAR = KASHIWA / "haikibutsu" / "garbage-collection-calendar"
DATASET = "kashiwa-garbage-collection-calendar"


@pytest.fixture
def site(tmp_path):
    """The garbage calendar published by the CLI from a copy of its folder; the web app over the
    same data dir, with a token for its department (haikibutsu)."""
    datasets = tmp_path / "datasets"
    shutil.copytree(CALENDAR, datasets / "haikibutsu" / "garbage-collection-calendar")
    app, settings = published_site(tmp_path)
    token = TokenStore(settings.database).create("haikibutsu").token
    client = app.test_client()
    sign_in(client, token)
    return client, settings.data_dir, datasets


def _drifted(tmp_path: Path) -> Path:
    """The usual calendar with a column the contract does not know (担当) added."""
    text = (CALENDAR / "ごみ収集日程.csv").read_bytes().decode("cp932")
    header, *rows = text.splitlines()
    lines = [header + ",担当", *(row + ",清掃事業課" for row in rows)]
    path = tmp_path / "ごみ収集日程.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932"))
    return path


def test_drift_blocks_then_the_department_accepts_the_new_schema_on_the_page(site, tmp_path):
    client, data_dir, datasets = site
    contract = datasets / "haikibutsu" / "garbage-collection-calendar" / "schema.json"
    before = contract.read_bytes()
    data = _form(client, f"/upload?update={DATASET}")
    assert data["standard"] == ""  # the dataset's own schema, not a standard picked by default
    ident = upload_id(_upload(client, data, _drifted(tmp_path)))
    page = settled(client, ident)
    assert state(page.text) == "invalid"
    assert 'data-code="schema-drift-added"' in page.text and 'id="accept-schema"' in page.text

    unconfirmed = client.post(
        f"/upload/{ident}/accept-schema", data={"csrf_token": csrf_token(page.text)}
    )
    assert unconfirmed.status_code == 409 and 'id="schema-refused"' in unconfirmed.text

    accepted = client.post(
        f"/upload/{ident}/accept-schema",
        data={"csrf_token": csrf_token(page.text), "confirm_schema": "yes"},
    )
    assert accepted.status_code == 303
    page = settled(client, ident)
    assert state(page.text) == "valid", page.text[-3000:]
    assert 'id="schema-accepted"' in page.text and 'id="accept-schema"' not in page.text

    folder = data_dir / "uploads" / "haikibutsu" / ident
    names = [f["name"] for f in json.loads((folder / "schema.json").read_text("utf-8"))["fields"]]
    assert names[-1] == "担当"
    [previous] = (folder / "schema-history").iterdir()
    assert previous.read_bytes() == before  # the old contract kept, never lost
    assert contract.read_bytes() == before  # the CLI's folder is not rewritten behind its back
    audit = [
        json.loads(line)
        for line in (data_dir / "audit.jsonl").read_text("utf-8").split("\n")
        if line
    ]
    [record] = [r for r in audit if r.get("action") == "schema-accepted"]
    assert (record["actor"], record["dataset"]) == ("department:haikibutsu", DATASET)

    published = client.post(f"/upload/{ident}/publish", data={"csrf_token": csrf_token(page.text)})
    assert published.status_code == 303
    assert state(settled(client, ident).text) == "published"
    rows = client.get(f"/api/v1/datasets/{DATASET}/rows?limit=1").get_json()
    assert "担当" in json.dumps(rows, ensure_ascii=False)

    again = _form(client, f"/upload?update={DATASET}")  # the next file is held to the new one
    steady = settled(client, upload_id(_upload(client, again, _drifted(tmp_path))))
    assert state(steady.text) == "valid", steady.text[-3000:]
    confirmed = {"csrf_token": csrf_token(steady.text), "confirm_schema": "yes"}
    ident = steady.request.path.rsplit("/", 1)[-1]
    nothing = client.post(f"/upload/{ident}/accept-schema", data=confirmed)  # a replayed form
    assert nothing.status_code == 409 and "承認するスキーマの変更はありません" in nothing.text
    english = client.post(f"/upload/{ident}/accept-schema?lang=en", data=confirmed)
    assert english.status_code == 409 and "nothing to accept" in english.text
