"""One publishing path: the CLI and the web upload share one per-dataset lock and one audit log.

Run as users run it: the CLI is a child process, the web app answers through its real routes, and
the publish that is "already running" is a third process holding the dataset's lock through the
same :func:`tsunagu.services.publishing.dataset_lock` both faces call.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.webapp.test_upload import csrf_token, post_upload, settled, sign_in, state, upload_id
from tsunagu.config import load_settings
from tsunagu.errors import DatasetBusy
from tsunagu.publisher.audit import verify_chain
from tsunagu.services.publishing import dataset_lock, is_publishing, lock_path
from tsunagu.services.tokens import TokenStore
from tsunagu.services.uploads import UploadStore
from tsunagu.webapp import create_app

BIN = Path(sys.executable).parent
DATASET = "kashiwa-aed-upload"
HOLDER = """
import sys
from tsunagu.config import load_settings
from tsunagu.services.publishing import dataset_lock
settings = load_settings({"data_dir": sys.argv[1]}, env={})
with dataset_lock(settings, sys.argv[2]):
    print("held", flush=True)
    sys.stdin.read()
"""


def _waiting_on(pid: int, lock: Path) -> bool:
    """Whether ``pid`` is blocked waiting for the flock on ``lock`` (``->`` in /proc/locks)."""
    inode = str(os.stat(lock).st_ino)
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "->" in fields and str(pid) in fields and any(f.endswith(":" + inode) for f in fields):
            return True
    return False


def _audit(settings) -> list[tuple[str, str]]:
    path = settings.data_dir / "audit.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]
    return [(r["action"], r["actor"]) for r in records if r["action"] != "sign-in"]


def test_cli_and_web_publishes_of_one_dataset_exclude_each_other(tmp_path, data_path):
    settings = load_settings({"data_dir": tmp_path / "instance"}, env={})
    settings.data_dir.mkdir(parents=True)
    app = create_app(settings)
    web = app.test_client()
    assert sign_in(web, TokenStore(settings.database).create("kenko").token).status_code == 303
    ident = upload_id(post_upload(web, data_path("webapp/aed_good.csv")))
    assert state(settled(web, ident).text) == "valid"
    manifest = UploadStore(settings).get(ident).manifest_path

    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(settings.data_dir), DATASET],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    cli = None
    try:
        assert holder.stdout.readline().strip() == "held"
        assert is_publishing(settings, DATASET)

        # the web publish is refused at once, clearly, and the refusal is audited
        token = csrf_token(web.get(f"/upload/{ident}").text)
        refused = web.post(f"/upload/{ident}/publish", data={"csrf_token": token})
        assert refused.status_code == 409
        assert "別の処理が公開または変換中" in refused.text
        assert _audit(settings) == [("publish-rejected", "department:kenko")]

        # the CLI waits for the same lock (seen by the kernel), and publishes nothing meanwhile
        cli = subprocess.Popen(
            [str(BIN / "tsunagu"), "--data-dir", str(settings.data_dir), "publish", str(manifest)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 120
        while not _waiting_on(cli.pid, lock_path(settings, DATASET)):
            assert cli.poll() is None, cli.stdout.read()
            assert time.monotonic() < deadline, "the CLI never waited for the dataset lock"
            time.sleep(0.1)
        assert _audit(settings) == [("publish-rejected", "department:kenko")]
    finally:
        holder.communicate("", timeout=30)  # the running publish ends: its lock is released
    output, _ = cli.communicate(timeout=120)
    assert cli.returncode == 0, output
    assert _audit(settings)[-1] == ("publish", "cli")

    # now the web publish goes through the same path: it is audited in the same log
    token = csrf_token(web.get(f"/upload/{ident}").text)
    assert web.post(f"/upload/{ident}/publish", data={"csrf_token": token}).status_code == 303
    assert state(settled(web, ident).text) == "published"
    assert _audit(settings) == [
        ("publish-rejected", "department:kenko"),
        ("publish", "cli"),
        ("publish", "department:kenko"),
    ]
    assert verify_chain(settings.data_dir / "audit.jsonl") is None
    assert not is_publishing(settings, DATASET)


def test_a_publish_that_may_not_wait_is_refused_in_both_languages(settings):
    with dataset_lock(settings, DATASET):
        try:
            with dataset_lock(settings, DATASET, wait=False):
                raise AssertionError("a second holder got the lock")
        except DatasetBusy as exc:
            assert exc.code == "dataset-busy"
            assert DATASET in exc.message_ja and DATASET in exc.message_en
