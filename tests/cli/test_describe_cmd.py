"""describe → confirm → publish → re-upload with drift → blocked → accepted, as a department
runs it (the CLI as a child process)."""

from __future__ import annotations

import json

from tests.validators.own_schema_support import CALENDAR, city, tsunagu


def test_describe_confirm_publish_drift_blocked_then_accepted(tmp_path):
    folder = city(tmp_path, schema=None)
    shown = tsunagu(tmp_path, "describe", str(folder / "gomi.csv"))
    assert shown.returncode == 0, shown.stderr
    assert "integer" in shown.stdout and "wareki" in shown.stdout
    assert not (folder / "schema.json").exists()  # shown, not written, until confirmed

    written = tsunagu(tmp_path, "describe", str(folder / "gomi.csv"), "--write")
    assert written.returncode == 0, written.stderr
    schema = json.loads((folder / "schema.json").read_text(encoding="utf-8"))
    fields = {f["name"]: f for f in schema["fields"]}
    assert fields["開始日"]["type"] == "date" and fields["回数（回）"]["x-unit"] == "回"
    assert "schema: schema.json" in (folder / "dataset.yaml").read_text(encoding="utf-8")
    again = tsunagu(tmp_path, "describe", str(folder / "gomi.csv"), "--write")
    assert again.returncode == 1 and "accept-schema" in again.stderr  # the contract stays

    first = tsunagu(tmp_path, "publish", str(folder))
    assert first.returncode == 0 and "created" in first.stdout, first.stdout + first.stderr

    header, *rows = CALENDAR.splitlines()
    drifted = "\n".join([header + ",担当", *(r + ",清掃課" for r in rows)]) + "\n"
    (folder / "gomi.csv").write_text(drifted.replace("回数（回）", "回数"), encoding="utf-8")
    report = tmp_path / "r.json"
    checked = tsunagu(
        tmp_path, "validate", str(folder / "dataset.yaml"), "--report-json", str(report)
    )
    assert checked.returncode == 1
    codes = {
        (p["code"], p["location"].get("column"))
        for p in json.loads(report.read_text(encoding="utf-8"))["problems"]
    }
    assert {("schema-drift-added", "担当"), ("schema-drift-renamed", "回数")} <= codes
    blocked = tsunagu(tmp_path, "publish", str(folder))
    assert blocked.returncode == 1 and "blocked" in blocked.stdout
    assert (folder / "schema.json").read_text(encoding="utf-8") == json.dumps(
        schema, ensure_ascii=False, indent=2
    ) + "\n"  # nothing drifted silently

    accepted = tsunagu(tmp_path, "publish", str(folder), "--accept-schema")
    assert accepted.returncode == 0 and "updated" in accepted.stdout, accepted.stdout
    names = [f["name"] for f in json.loads((folder / "schema.json").read_text("utf-8"))["fields"]]
    assert names[-1] == "担当" and "回数" in names
    [previous] = (folder / "schema-history").iterdir()
    assert json.loads(previous.read_text(encoding="utf-8")) == schema
    audit = (tmp_path / "instance" / "audit.jsonl").read_text(encoding="utf-8")
    assert '"action": "schema-accepted"' in audit
    after = tsunagu(tmp_path, "publish", str(folder))  # the accepted contract now holds
    assert after.returncode == 0 and "blocked" not in after.stdout
    steady = tsunagu(tmp_path, "publish", str(folder))
    assert steady.returncode == 0 and "unchanged" in steady.stdout
