"""Published means audited: a process killed between the catalogue commit and the audit append.

The child publishes with the audit append replaced by ``kill -9`` of itself, so it dies exactly
after the version is committed and before its record exists (before the journal, the re-run then
said "unchanged" and the version stayed unaudited for ever). The next start replays the journal.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tsunagu.config import PROJECT_ROOT

AED = PROJECT_ROOT / "datasets/kashiwa/kenko/aed-installations"
ENV = {"COLUMNS": "200", "PATH": "/usr/bin:/bin"}


def tsunagu(instance, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tsunagu", "--data-dir", str(instance), "--lang", "en", *args],
        capture_output=True, text=True, env=ENV,
    )  # fmt: skip


def publish_and_die_before_the_audit(instance) -> subprocess.CompletedProcess:
    script = (
        "import os, signal, sys\n"
        "from tsunagu.publisher.audit import AuditLog\n"
        "real = AuditLog.record\n"
        "def record(self, action, actor, **details):\n"
        "    if action == 'publish':\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    return real(self, action, actor, **details)\n"
        "AuditLog.record = record\n"
        "from tsunagu.cli import main\n"
        f"sys.argv = ['tsunagu', '--data-dir', {str(instance)!r}, 'publish', {str(AED)!r}]\n"
        "main()\n"
    )
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=ENV)


def test_a_version_committed_by_a_killed_process_is_audited_at_the_next_start(tmp_path):
    instance = tmp_path / "instance"
    died = publish_and_die_before_the_audit(instance)
    assert died.returncode == -9, died.stdout + died.stderr
    unaudited = tsunagu(instance, "audit", "verify")
    assert unaudited.returncode == 1  # the gap is real: version 1 committed, no record
    assert "kashiwa-aed-installations version 1: no audit record" in unaudited.stdout
    assert len(list((instance / "audit-journal").glob("*.json"))) == 1

    again = tsunagu(instance, "publish", str(AED))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "unchanged" in again.stdout
    verified = tsunagu(instance, "audit", "verify")
    assert verified.returncode == 0, verified.stdout
    records = [json.loads(line) for line in (instance / "audit.jsonl").read_text().splitlines()]
    replayed = [r for r in records if r["action"] == "publish" and r.get("version") == 1]
    assert len(replayed) == 1 and replayed[0]["replayed"] is True
    assert replayed[0]["dataset"] == "kashiwa-aed-installations"
    assert replayed[0]["result"] == "create" and replayed[0]["checksums"]
    assert list((instance / "audit-journal").glob("*.json")) == []


def test_a_publish_that_never_committed_leaves_no_record_and_no_entry(tmp_path):
    """Killed before the catalogue commit: nothing is published, so nothing is replayed."""
    instance = tmp_path / "instance"
    script = (
        "import os, signal, sys\n"
        "from tsunagu.catalogue.local import LocalCatalogue\n"
        "LocalCatalogue._store_files = lambda self, r: os.kill(os.getpid(), signal.SIGKILL)\n"
        "from tsunagu.cli import main\n"
        f"sys.argv = ['tsunagu', '--data-dir', {str(instance)!r}, 'publish', {str(AED)!r}]\n"
        "main()\n"
    )
    died = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=ENV)
    assert died.returncode == -9
    assert len(list((instance / "audit-journal").glob("*.json"))) == 1
    again = tsunagu(instance, "publish", str(AED))
    assert again.returncode == 0 and "created" in again.stdout
    records = [json.loads(line) for line in (instance / "audit.jsonl").read_text().splitlines()]
    assert [(r["action"], r.get("version"), r.get("replayed")) for r in records] == [
        ("publish", 1, None)
    ]
    assert list((instance / "audit-journal").glob("*.json")) == []
