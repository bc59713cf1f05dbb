"""A full disk during publish, for real: the data dir is a small tmpfs (root, own mount namespace).

What the operator must see: a clear ja/en error naming the cause, exit 1, a ``blocked`` audit
record, no half-published dataset (the catalogue as it was, the audit chain intact), no work
files left. Skipped where mounting is not allowed (not root, or no ``unshare``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tsunagu.config import PROJECT_ROOT

AED = PROJECT_ROOT / "datasets/kashiwa/kenko/aed-installations"
CSV_NAME = "AED設置場所一覧.csv"

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None, reason="needs root to mount a tmpfs"
)


def big_variant(root: Path, rows: int) -> Path:
    """The AED dataset under another id with ``rows`` facilities (each name made unique)."""
    folder = root / "big"
    folder.mkdir()
    manifest = (AED / "dataset.yaml").read_text(encoding="utf-8")
    manifest = manifest.replace("id: kashiwa-aed-installations", "id: kashiwa-aed-big", 1)
    (folder / "dataset.yaml").write_text(manifest, encoding="utf-8")
    lines = (AED / CSV_NAME).read_bytes().decode("cp932").splitlines()
    head, data = lines[:2], [line for line in lines[2:] if line.strip()]
    out = list(head)
    for n in range(rows):
        cells = data[n % len(data)].split(",")
        cells[0] = str(n + 1)
        cells[1] = f"{cells[1]}{n}"
        out.append(",".join(cells))
    (folder / CSV_NAME).write_bytes(("\r\n".join(out) + "\r\n").encode("cp932"))
    return folder


def test_disk_full_during_publish_blocks_cleanly(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    big = big_variant(tmp_path, rows=3000)
    tsunagu = f"{sys.executable} -m tsunagu --data-dir {instance} --lang en"
    script = f"""
set -u
mount -t tmpfs -o size=600k tmpfs {instance} || exit 77
{tsunagu} publish {AED} > /dev/null 2>&1; echo "first=$?"
{tsunagu} publish {big} > {tmp_path}/out.txt 2> {tmp_path}/err.txt; echo "second=$?"
{tsunagu} audit verify > {tmp_path}/verify.txt 2>&1; echo "verify=$?"
cp {instance}/audit.jsonl {tmp_path}/audit.jsonl
find {instance}/work {instance}/storage -type f \\
  | grep -v '/storage/[0-9a-f][0-9a-f]/[0-9a-f]*$' > {tmp_path}/left.txt
{sys.executable} - <<'PY'
from tsunagu.catalogue.local import LocalCatalogue
from tsunagu.config import load_settings
c = LocalCatalogue.from_settings(load_settings({{"data_dir": "{instance}"}}))
print("datasets=" + ",".join(sorted(r.meta.id for r in c.search(rows=50).results)))
print("aed_versions=" + str(len(c.list_versions("kashiwa-aed-installations"))))
PY
"""
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        capture_output=True, text=True, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
        timeout=600,
    )  # fmt: skip
    if done.returncode == 77:
        pytest.skip("mounting a tmpfs is not allowed here")
    status = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    assert status["first"] == "0", done.stdout + done.stderr
    assert status["second"] == "1", done.stdout + done.stderr
    out, err = (tmp_path / "out.txt").read_text(), (tmp_path / "err.txt").read_text()
    assert "Traceback" not in out + err
    assert "the disk is full" in out and "ディスクの空きがありません" in out
    assert status["datasets"] == "kashiwa-aed-installations"  # nothing of the big one published
    assert status["aed_versions"] == "1"
    assert status["verify"] == "0", (tmp_path / "verify.txt").read_text()
    assert (tmp_path / "left.txt").read_text().strip() == ""  # no work or partial files
    records = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert records[-1]["action"] == "blocked" and records[-1]["dataset"] == "kashiwa-aed-big"
    assert records[-1]["code"] == "storage-fault"
    assert "ディスクの空きがありません" in records[-1]["reason"]
