"""The audit log: one line per event whatever the input, and a chain that shows any edit."""

from __future__ import annotations

import json
import threading

from tsunagu.publisher.audit import GENESIS, AuditLog, verify_chain


def test_records_chain_and_verify(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    first = log.record("publish", "cli", dataset="a", checksums={"csv": "ab" * 32})
    second = log.record("blocked", "cli", dataset="b", reason="2 件のエラー")
    assert first["prev"] == GENESIS and second["prev"] != GENESIS
    assert verify_chain(log.path) is None
    assert [e["dataset"] for e in log.entries()] == ["a", "b"]


def test_edited_line_is_detected(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    for name in ("a", "b", "c"):
        log.record("publish", "cli", dataset=name)
    lines = log.path.read_text(encoding="utf-8").splitlines()
    entry = json.loads(lines[1])
    entry["dataset"] = "forged"
    lines[1] = json.dumps(entry, ensure_ascii=False, sort_keys=True)
    log.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert verify_chain(log.path) == 3  # line 3's prev no longer matches the edited line 2


def test_deleted_line_is_detected(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    for name in ("a", "b", "c"):
        log.record("publish", "cli", dataset=name)
    lines = log.path.read_text(encoding="utf-8").splitlines()
    log.path.write_text("\n".join([lines[0], lines[2]]) + "\n", encoding="utf-8")
    assert verify_chain(log.path) == 2


def test_cr_lf_and_ansi_in_a_title_stay_one_line(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    title = '柏市AED\r\n{"action": "forged"}\n\x1b[31m赤\x1b[0m'
    log.record("publish", "cli", dataset="a", title=title)
    log.record("publish", "cli", dataset="b")
    raw = log.path.read_bytes()
    assert raw.count(b"\n") == 2 and b"\r" not in raw and b"\x1b" not in raw
    assert log.entries()[0]["title"] == title
    assert verify_chain(log.path) is None


def test_unicode_line_separator_in_a_title_stays_one_record(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    log.record("publish", "cli", dataset="a", title="柏市\u2028AED\u2029")
    assert len(log.entries()) == 1
    assert verify_chain(log.path) is None


def test_concurrent_writers_keep_the_chain(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    threads = [
        threading.Thread(target=lambda n=n: log.record("publish", "cli", dataset=f"d{n}"))
        for n in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(log.entries()) == 20
    assert verify_chain(log.path) is None
