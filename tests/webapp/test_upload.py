"""Department uploads through the Flask test client: store, report, publish, and who may do what."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from tsunagu.config import load_settings
from tsunagu.errors import DatasetNotFound
from tsunagu.services.publishing import dataset_lock
from tsunagu.services.tokens import TokenStore
from tsunagu.services.uploads import UploadStore
from tsunagu.webapp import create_app

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_STATE = re.compile(r'data-state="(\w+)"')


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def sign_in(client, token: str):
    page = client.get("/upload/signin")
    return client.post("/upload/signin", data={"csrf_token": csrf_token(page.text), "token": token})


def post_upload(client, path: Path, filename: str | None = None, **fields: str):
    token = csrf_token(client.get("/upload").text)
    data = {
        "csrf_token": token,
        "dataset_id": "kashiwa-aed-upload",
        "title_ja": "AED設置場所一覧",
        "title_en": "AED installations",
        "standard": "aed-installations",
        "licence": "CC-BY-4.0",
        "update_frequency": "yearly",
        "tags": "AED、救急",
        **fields,
    }
    with path.open("rb") as fh:
        data["file"] = (fh, filename or path.name)
        return client.post("/upload", data=data, content_type="multipart/form-data")


def upload_id(response) -> str:
    assert response.status_code == 303, response.text[-2000:]
    return response.location.rsplit("/", 1)[-1]


def settled(client, ident: str, timeout: float = 90):
    """The upload's page once its background job has finished (polled as the page does)."""
    deadline = time.monotonic() + timeout
    while True:
        status = client.get(f"/upload/{ident}/status")
        assert status.status_code == 200, status.text
        if not status.json["pending"]:
            return client.get(f"/upload/{ident}")
        assert time.monotonic() < deadline, f"upload job still {status.json['state']}"
        time.sleep(0.1)


def state(html: str) -> str:
    match = _STATE.search(html)
    assert match
    return match.group(1)


@pytest.fixture
def upload_settings(tmp_path):
    return load_settings({"data_dir": tmp_path / "instance"}, env={})


@pytest.fixture
def upload_app(upload_settings, published):
    upload_settings.data_dir.mkdir(parents=True, exist_ok=True)
    return create_app(upload_settings, catalogue=published)


@pytest.fixture
def tokens(upload_settings, upload_app) -> dict[str, str]:
    store = TokenStore(upload_settings.database)
    return {dept: store.create(dept).token for dept in ("kenko", "shimin")}


@pytest.fixture
def kenko(upload_app, tokens):
    client = upload_app.test_client()
    assert sign_in(client, tokens["kenko"]).status_code == 303
    return client


def test_upload_pages_need_sign_in(upload_app):
    client = upload_app.test_client()
    response = client.get("/upload")
    assert response.status_code == 302
    assert response.location.startswith("/upload/signin?next=/upload")
    assert client.get("/upload/" + "a" * 32).status_code == 302


def test_upload_without_csrf_token_is_400(kenko, data_path):
    with data_path("webapp/aed_good.csv").open("rb") as fh:
        response = kenko.post(
            "/upload",
            data={"dataset_id": "x-aed", "title_ja": "AED", "file": (fh, "aed.csv")},
            content_type="multipart/form-data",
        )
    assert response.status_code == 400
    assert "CSRF" in response.text


def test_upload_too_large_shows_413_page_with_limit(tmp_path, published, data_path):
    settings = load_settings({"data_dir": tmp_path / "small", "max_upload_bytes": 1500}, env={})
    settings.data_dir.mkdir(parents=True)
    app = create_app(settings, catalogue=published)
    client = app.test_client()
    assert sign_in(client, TokenStore(settings.database).create("kenko").token).status_code == 303
    response = post_upload(client, data_path("webapp/aed_good.csv"))
    assert response.status_code == 413
    assert "1,500 バイト" in response.text
    assert "1,500 bytes" in response.text
    assert not list((settings.data_dir / "uploads").glob("kenko/*"))


def test_upload_empty_csv_shows_report_and_cannot_publish(kenko, data_path, published):
    ident = upload_id(post_upload(kenko, data_path("webapp/empty.csv")))
    page = settled(kenko, ident)
    assert state(page.text) == "invalid"
    assert 'data-code="file-empty"' in page.text
    assert 'id="publish"' not in page.text
    token = csrf_token(kenko.get("/upload").text)
    response = kenko.post(f"/upload/{ident}/publish", data={"csrf_token": token})
    assert response.status_code == 409
    with pytest.raises(DatasetNotFound):
        published.get_dataset("kashiwa-aed-upload")


def test_upload_missing_required_column_lists_the_problems(kenko, data_path, upload_settings):
    ident = upload_id(post_upload(kenko, data_path("webapp/aed_missing_name.csv")))
    page = settled(kenko, ident)
    assert state(page.text) == "invalid"
    status = UploadStore(upload_settings).get(ident).status
    problems = [(p["code"], p["row"], p["column"]) for p in status["outcomes"][0]["problems"]]
    assert problems[0] == ("required-column-missing", None, "名称")
    # the blank required column is one error, not repeated on every row
    assert ("constraint-error", 2, "名称") not in problems
    assert 'data-code="required-column-missing"' in page.text
    assert "必須項目の列がない" in page.text  # the kind of problem in words, not its code
    assert ">required-column-missing<" not in page.text
    english = kenko.get(f"/upload/{ident}?lang=en").text
    assert "Required column missing" in english
    report = kenko.get(f"/upload/{ident}/report.html")
    assert report.status_code == 200
    assert "必須項目の列がない" in report.text
    xlsx = kenko.get(f"/upload/{ident}/report.xlsx")
    assert xlsx.status_code == 200
    assert xlsx.data[:2] == b"PK"


def test_good_upload_is_valid_and_publishes(kenko, data_path, published, upload_settings):
    ident = upload_id(post_upload(kenko, data_path("webapp/aed_good.csv"), department="shimin"))
    page = settled(kenko, ident)
    assert state(page.text) == "valid"
    manifest = yaml.safe_load(UploadStore(upload_settings).get(ident).manifest_path.read_text())
    assert manifest["department"]["id"] == "kenko"  # the form cannot choose the department
    token = csrf_token(page.text)
    assert kenko.post(f"/upload/{ident}/publish", data={"csrf_token": token}).status_code == 303
    assert state(settled(kenko, ident).text) == "published"
    record = published.get_dataset("kashiwa-aed-upload")
    assert record.meta.organisation == "kenko"
    assert record.meta.municipality_code == "122173"
    dataset_page = kenko.get("/datasets/kashiwa-aed-upload")
    assert dataset_page.status_code == 200
    assert "柏市役所本庁舎" in dataset_page.text
    # a repeated POST (double click) gives the same result, not a second version
    assert kenko.post(f"/upload/{ident}/publish", data={"csrf_token": token}).status_code == 303
    assert state(settled(kenko, ident).text) == "published"
    assert len(published.list_versions("kashiwa-aed-upload")) == 1
    audit = [json.loads(line) for line in (upload_settings.data_dir / "audit.jsonl").open()]
    published_ = [(a["action"], a["actor"]) for a in audit if a["action"] != "sign-in"]
    assert published_ == [("publish", "department:kenko")]


def test_publish_while_another_publish_runs_is_409(kenko, data_path, upload_settings):
    ident = upload_id(post_upload(kenko, data_path("webapp/aed_good.csv")))
    token = csrf_token(settled(kenko, ident).text)
    store = UploadStore(upload_settings)
    with dataset_lock(upload_settings, "kashiwa-aed-upload"):
        response = kenko.post(f"/upload/{ident}/publish", data={"csrf_token": token})
    assert response.status_code == 409
    assert store.get(ident).state == "valid"
    audit = [json.loads(line) for line in (upload_settings.data_dir / "audit.jsonl").open()]
    refused = [(a["action"], a["actor"]) for a in audit if a["action"] != "sign-in"]
    assert refused == [("publish-rejected", "department:kenko")]


def test_two_concurrent_publishes_make_one_version(upload_app, tokens, data_path, published):
    first, second = upload_app.test_client(), upload_app.test_client()
    sign_in(first, tokens["kenko"])
    sign_in(second, tokens["kenko"])
    ident = upload_id(post_upload(first, data_path("webapp/aed_good.csv")))
    settled(first, ident)
    posts = [
        (client, csrf_token(client.get(f"/upload/{ident}").text)) for client in (first, second)
    ]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def publish(client, token: str) -> None:
        barrier.wait()
        response = client.post(f"/upload/{ident}/publish", data={"csrf_token": token})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=publish, args=post) for post in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) in ([303, 303], [303, 409])
    assert state(settled(first, ident).text) == "published"
    assert len(published.list_versions("kashiwa-aed-upload")) == 1


def test_other_departments_upload_is_403(upload_app, kenko, tokens, data_path):
    ident = upload_id(post_upload(kenko, data_path("webapp/empty.csv")))
    settled(kenko, ident)
    other = upload_app.test_client()
    sign_in(other, tokens["shimin"])
    token = csrf_token(other.get("/upload").text)
    assert other.get(f"/upload/{ident}").status_code == 403
    assert other.get(f"/upload/{ident}/report.html").status_code == 403
    assert other.get(f"/upload/{ident}/status").status_code == 403
    assert other.post(f"/upload/{ident}/publish", data={"csrf_token": token}).status_code == 403
    assert ident not in other.get("/upload").text


def test_dataset_of_another_department_cannot_be_taken_over(
    upload_app, tokens, data_path, published
):
    client = upload_app.test_client()
    sign_in(client, tokens["shimin"])
    # Refused when the upload starts (issue 14), with a message, not a bare 403 at publish.
    response = post_upload(client, data_path("webapp/aed_good.csv"), dataset_id="kashiwa-aed")
    assert response.status_code == 403
    assert "他の部署のもの" in response.text
    assert published.get_dataset("kashiwa-aed").meta.organisation == "kenko"


def test_upload_is_stored_before_processing(kenko, data_path, upload_settings, monkeypatch):
    def broken(self, upload, on_step=None, **options):
        raise RuntimeError("pipeline crashed")

    monkeypatch.setattr(UploadStore, "run", broken)
    source = data_path("webapp/aed_good.csv")
    ident = upload_id(post_upload(kenko, source))
    settled(kenko, ident)
    upload = UploadStore(upload_settings).get(ident)
    assert upload.state == "failed"
    assert upload.source_path.read_bytes() == source.read_bytes()
    assert upload.manifest_path.is_file()
    page = kenko.get(f"/upload/{ident}")
    assert "ファイルは失われていません" in page.text
    assert 'id="publish"' not in page.text


def test_original_file_name_is_metadata_only(kenko, data_path, upload_settings):
    name = "../../<script>alert(1)</script>.csv"
    ident = upload_id(post_upload(kenko, data_path("webapp/empty.csv"), filename=name))
    settled(kenko, ident)
    upload = UploadStore(upload_settings).get(ident)
    assert upload.directory == upload_settings.data_dir / "uploads" / "kenko" / ident
    assert sorted(p.name for p in upload.directory.iterdir() if p.is_file()) == [
        "dataset.yaml",
        "source.csv",
        "status.json",
    ]
    page = kenko.get(f"/upload/{ident}").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_file_whose_content_does_not_match_its_suffix_is_refused(kenko, data_path, upload_settings):
    response = post_upload(kenko, data_path("webapp/aed_good.csv"), filename="aed.xlsx")
    assert response.status_code == 400
    assert not list((upload_settings.data_dir / "uploads" / "kenko").iterdir())


def test_unknown_suffix_and_bad_form_fields_are_refused(kenko, data_path):
    assert post_upload(kenko, data_path("webapp/aed_good.csv"), filename="a.exe").status_code == 400
    response = post_upload(kenko, data_path("webapp/aed_good.csv"), dataset_id="../etc")
    assert response.status_code == 400
    assert "半角英小文字" in response.text


def test_upload_pages_in_english(kenko, data_path):
    ident = upload_id(post_upload(kenko, data_path("webapp/aed_good.csv")))
    settled(kenko, ident)
    index = kenko.get("/upload?lang=en").text
    assert "Upload a file" in index
    assert "Health Policy Division" in index
    report = kenko.get(f"/upload/{ident}?lang=en").text
    assert "Validation result" in report
    assert "The file meets the standard dataset" in report
    assert "ファイル" not in report.split("<main", 1)[1]


def test_upload_is_acknowledged_at_once_and_the_page_shows_progress(
    kenko, data_path, upload_settings, monkeypatch
):
    """The request stores and queues; the pipeline runs in the background worker thread, the
    page (and its status URL) shows the steps done, and a reload shows the same state."""
    release = threading.Event()
    real_run = UploadStore.run
    threads: list[str] = []

    def slow(self, upload, on_step=None, **options):
        threads.append(threading.current_thread().name)
        assert release.wait(30)
        return real_run(self, upload, on_step=on_step, **options)

    monkeypatch.setattr(UploadStore, "run", slow)
    started = time.monotonic()
    ident = upload_id(post_upload(kenko, data_path("webapp/aed_good.csv")))
    assert time.monotonic() - started < 10  # acknowledged while the job is held
    for _ in range(2):  # a reload shows the same state, from status.json
        page = kenko.get(f"/upload/{ident}")
        assert state(page.text) in ("queued", "processing")
        assert 'id="upload-progress"' in page.text and "upload.js" in page.text
        assert 'id="publish"' not in page.text
    status = kenko.get(f"/upload/{ident}/status").json
    assert status["pending"] and status["progress"] == []
    assert status["steps"][:3] == ["read", "normalize", "validate"]
    release.set()
    page = settled(kenko, ident)
    assert state(page.text) == "valid" and 'id="upload-progress"' not in page.text
    assert threads and threads[0].startswith("tsunagu-job")  # not the request's thread
    done = UploadStore(upload_settings).get(ident).status["progress"]
    assert done[:3] == ["read", "normalize", "validate"] and "report" in done


def test_a_job_whose_process_died_is_queued_again(kenko, data_path, upload_settings):
    ident = upload_id(post_upload(kenko, data_path("webapp/aed_good.csv")))
    settled(kenko, ident)
    store = UploadStore(upload_settings)
    upload = store.get(ident)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(timeout=30)
    owner = {"host": socket.gethostname(), "pid": gone.pid}
    upload.status.update(state="processing", owner=owner, progress=["read"], outcomes=[])
    store.save(upload)
    page = settled(kenko, ident)  # looking at it notices the dead owner and queues it again
    assert state(page.text) == "valid"
    assert store.get(ident).status["owner"]["pid"] == os.getpid()


def test_dataset_id_and_crs_with_a_trailing_newline_are_refused(kenko, data_path):
    """Issue 16: WTForms' Regexp uses re.match, so ``$`` accepted "id\\n"."""
    good = data_path("webapp/aed_good.csv")
    response = post_upload(kenko, good, dataset_id="kashiwa-public-toilets\n")
    assert response.status_code == 400
    response = post_upload(kenko, good, crs="EPSG:6677\n")
    assert response.status_code == 400


def test_refusals_sign_ins_and_sign_outs_are_audited(upload_app, kenko, tokens, data_path):
    """Issue 16: a refused (403) action, a refused take-over, a failed sign-in and a sign-out
    each leave one record in the hash-chained audit log, naming who and what, never the token."""
    from tsunagu.publisher.audit import verify_chain

    settings = upload_app.extensions["tsunagu"].settings
    ident = upload_id(post_upload(kenko, data_path("webapp/empty.csv")))
    settled(kenko, ident)
    other = upload_app.test_client()
    sign_in(other, tokens["shimin"])
    assert other.get(f"/upload/{ident}").status_code == 403
    taken = post_upload(other, data_path("webapp/aed_good.csv"), dataset_id="kashiwa-aed")
    assert taken.status_code == 403
    assert sign_in(upload_app.test_client(), "wrong.token").status_code == 401
    token = csrf_token(other.get("/upload").text)
    assert other.post("/upload/signout", data={"csrf_token": token}).status_code in (302, 303)
    path = settings.data_dir / "audit.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    shimin = [r for r in records if r["actor"] in ("department:shimin", "anonymous")]
    assert [r["action"] for r in shimin] == [
        "sign-in", "refused", "upload-refused", "sign-in-failed", "sign-out",
    ]  # fmt: skip
    refused = shimin[1]
    assert (refused["owner"], refused["path"]) == ("kenko", f"/upload/{ident}")
    assert shimin[2]["dataset"] == "kashiwa-aed"
    assert verify_chain(path) is None  # the chain holds
    assert tokens["shimin"] not in path.read_text(encoding="utf-8")
