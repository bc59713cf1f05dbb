"""A city folder with one non-standard dataset, and the CLI run as a child process on it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent
MUNICIPALITY = """code: "122173"
name: 千葉県柏市
area: [139.85, 35.77, 140.11, 35.95]
departments:
  seiso:
    ja: ごみ政策課
    en: Waste Policy Division
"""
CALENDAR = (
    "区域,品目,曜日,回数（回）,開始日\n"
    "柏１丁目,可燃ごみ,月・木,2,令和6年4月1日\n"
    "柏２丁目,資源品,水,1,R6.4.1\n"
    "柏３丁目,不燃ごみ,金,1,2024/04/05\n"
)
SCHEMA = {
    "fields": [
        {"name": "区域", "type": "string", "constraints": {"required": True}},
        {
            "name": "品目",
            "type": "string",
            "constraints": {"enum": ["可燃ごみ", "不燃ごみ", "資源品"]},
        },
        {"name": "曜日", "type": "string"},
        {"name": "回数（回）", "type": "integer"},
        {"name": "開始日", "type": "date"},
    ]
}


def city(tmp_path: Path, *, csv: str = CALENDAR, schema: dict | None = SCHEMA) -> Path:
    """``<tmp>/kashiwa/seiso/gomi`` with the calendar, its manifest and (optionally) schema."""
    root = tmp_path / "kashiwa"
    folder = root / "seiso" / "gomi"
    folder.mkdir(parents=True)
    (root / "municipality.yaml").write_text(MUNICIPALITY, encoding="utf-8")
    (folder / "gomi.csv").write_text(csv, encoding="utf-8")
    lines = [
        "id: kashiwa-gomi",
        "title: {ja: ごみ収集日程, en: Garbage collection calendar}",
        "department: seiso",
        "sources: [gomi.csv]",
    ]
    if schema is not None:
        (folder / "schema.json").write_text(json.dumps(schema, ensure_ascii=False), "utf-8")
        lines.append("schema: schema.json")
    (folder / "dataset.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def tsunagu(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``tsunagu --data-dir <tmp>/instance ARGS`` as a department runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSUNAGU_")}
    return subprocess.run(
        [str(BIN / "tsunagu"), "--data-dir", str(tmp_path / "instance"), *args],
        capture_output=True,
        text=True,
        env={**env, "COLUMNS": "250"},
        timeout=300,
    )


def download(tmp_path: Path, dataset_id: str, key: str) -> bytes:
    """A published file's bytes as the site serves them (run folders are private and gone)."""
    from tsunagu.config import load_settings
    from tsunagu.webapp import create_app

    app = create_app(load_settings({"data_dir": tmp_path / "instance"}, env={}))
    response = app.test_client().get(f"/datasets/{dataset_id}/resources/{key}/file")
    assert response.status_code == 200, (key, response.status_code)
    return response.get_data()
