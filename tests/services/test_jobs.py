"""Background jobs on RQ over a real Redis: a ``redis-server`` on 127.0.0.1 and a real
``rq worker`` child process, with the web app queuing an upload's validation and publishing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import free_port, stop, wait_for_port
from tests.webapp.test_upload import csrf_token, post_upload, settled, sign_in, state, upload_id
from tsunagu.catalogue import open_catalogue
from tsunagu.config import load_settings
from tsunagu.services.tokens import TokenStore
from tsunagu.services.uploads import UploadStore
from tsunagu.webapp import create_app

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
RQ = Path(sys.executable).with_name("rq")
NO_PERSISTENCE = ("--save", "", "--appendonly", "no", "--dir")
pytestmark = pytest.mark.skipif(
    not Path(REDIS_SERVER).exists(), reason="needs Debian's redis-server (.ci/run installs it)"
)


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", *NO_PERSISTENCE, str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(server, port, 20)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(server)


@pytest.fixture
def rq_worker(redis_url, tmp_path) -> Iterator[tuple[Path, Path]]:
    """``rq worker -u URL tsunagu`` with the site's settings in its environment."""
    data_dir = tmp_path / "instance"
    data_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSUNAGU_")}
    env.update(TSUNAGU_DATA_DIR=str(data_dir), TSUNAGU_REDIS_URL=redis_url)
    log = tmp_path / "rq.log"
    with log.open("wb") as sink:
        worker = subprocess.Popen(
            [str(RQ), "worker", "-u", redis_url, "tsunagu"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            yield data_dir, log
        finally:
            stop(worker)


def test_uploads_run_on_an_rq_worker_over_redis(redis_url, rq_worker):
    data_dir, log = rq_worker
    settings = load_settings({"data_dir": data_dir, "redis_url": redis_url}, env={})
    app = create_app(settings)
    client = app.test_client()
    assert sign_in(client, TokenStore(settings.database).create("kenko").token).status_code == 303
    data = Path(__file__).resolve().parents[1] / "data" / "webapp" / "aed_good.csv"
    ident = upload_id(post_upload(client, data))
    page = settled(client, ident)
    assert state(page.text) == "valid", log.read_text(errors="replace")[-3000:]
    status = UploadStore(settings).get(ident).status
    assert status["owner"]["pid"] != os.getpid()  # validated in the worker, not here
    token = csrf_token(page.text)
    assert client.post(f"/upload/{ident}/publish", data={"csrf_token": token}).status_code == 303
    assert state(settled(client, ident).text) == "published", log.read_text(errors="replace")
    record = open_catalogue(settings).get_dataset("kashiwa-aed-upload")
    assert record.meta.organisation == "kenko"
    assert "Job OK" in log.read_text(errors="replace") or "Successfully completed" in (
        log.read_text(errors="replace")
    )
