"""``tsunagu audit verify`` run as the operator runs it: chain intact, every version audited."""

from __future__ import annotations

import json
import subprocess
import sys

from tsunagu.config import PROJECT_ROOT

AED = PROJECT_ROOT / "datasets/kashiwa/kenko/aed-installations"


def _tsunagu(instance, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tsunagu", "--data-dir", str(instance), "--lang", "en", *args],
        capture_output=True, text=True, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


def test_verify_passes_after_publish_and_finds_tampering_and_unaudited_versions(tmp_path):
    instance = tmp_path / "instance"
    assert _tsunagu(instance, "token", "create", "kenko").returncode == 0  # audited too
    published = _tsunagu(instance, "publish", str(AED))
    assert published.returncode == 0, published.stdout + published.stderr
    ok = _tsunagu(instance, "audit", "verify")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "2 records, all 1 versions audited" in ok.stdout

    log = instance / "audit.jsonl"
    original = log.read_text(encoding="utf-8")
    lines = original.split("\n")[:-1]
    # an edited line (the actor changed after the fact) breaks the chain
    entry = json.loads(lines[0])
    entry["actor"] = "someone-else"
    edited = [json.dumps(entry, ensure_ascii=False, sort_keys=True), *lines[1:]]
    log.write_text("\n".join(edited) + "\n", encoding="utf-8")
    tampered = _tsunagu(instance, "audit", "verify")
    assert tampered.returncode == 1
    assert "the hash chain breaks at line 2" in tampered.stdout

    # a version whose publish record is missing (the append failed, or the line was dropped)
    kept = [line for line in original.split("\n") if line and '"action": "publish"' not in line]
    log.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
    missing = _tsunagu(instance, "audit", "verify")
    assert missing.returncode == 1
    assert "kashiwa-aed-installations version 1: no audit record" in missing.stdout
