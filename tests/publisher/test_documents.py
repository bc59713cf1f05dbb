"""Documents published as resources (issue 15): checked by content, never opened, refused when
they are not what their name says (the CLI as a department runs it)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tests.validators.own_schema_support import MUNICIPALITY, tsunagu
from tsunagu.config import load_settings
from tsunagu.webapp import create_app

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _documents(tmp_path: Path, name: str, content: bytes) -> Path:
    root = tmp_path / "kashiwa"
    folder = root / "seiso" / "report"
    folder.mkdir(parents=True)
    (root / "municipality.yaml").write_text(MUNICIPALITY, encoding="utf-8")
    (folder / name).write_bytes(content)
    (folder / "dataset.yaml").write_text(
        "id: kashiwa-waste-report\n"
        "title: {ja: ごみ処理 年次報告書, en: Waste annual report}\n"
        "department: seiso\n"
        "documents:\n"
        f"  - path: {name}\n"
        "    title: {ja: 令和5年度 年次報告書, en: FY2023 annual report}\n"
        "    description: 一般廃棄物処理基本計画の進捗\n",
        encoding="utf-8",
    )
    return folder


def test_a_pdf_report_is_published_with_its_title_format_size_and_openness(tmp_path):
    folder = _documents(tmp_path, "報告書.pdf", PDF)
    published = tsunagu(tmp_path, "publish", str(folder))
    assert published.returncode == 0, published.stdout + published.stderr
    assert "created" in published.stdout and "+doc1" in published.stdout
    client = create_app(load_settings({"data_dir": tmp_path / "instance"}, env={})).test_client()
    [resource] = client.get("/api/v1/datasets/kashiwa-waste-report").get_json()["resources"]
    assert (resource["format"], resource["size"]) == ("PDF", len(PDF))
    download = client.get(resource["url"].removeprefix("http://localhost"))
    assert download.status_code == 200 and download.data == PDF
    page = client.get("/datasets/kashiwa-waste-report").get_data(as_text=True)
    assert '<span title="5つ星オープンデータ: 1/5">★</span>' in page  # PDF: ★


def test_a_zip_of_documents_is_published(tmp_path):
    folder = _documents(tmp_path, "資料.zip", _zip({"a.pdf": PDF, "図/b.png": PNG}))
    published = tsunagu(tmp_path, "publish", str(folder))
    assert published.returncode == 0, published.stdout + published.stderr


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("報告書.pdf", b"MZ\x90\x00" + bytes(200), "実行ファイル"),  # an executable renamed .pdf
        ("報告書.pdf", b"\x7fELF" + bytes(200), "実行ファイル"),
        ("報告書.pdf", _zip({"a.pdf": PDF}), "中身が PDF ではありません"),  # a renamed ZIP
        ("集計.xlsx", _zip({"xl/workbook.xml": b"<x/>", "xl/vbaProject.bin": b"x"}), "マクロ"),
        ("資料.zip", _zip({"a.pdf": PDF, "setup.exe": b"MZ" + bytes(100)}), "実行ファイル"),
        ("資料.zip", _zip({"../a.pdf": PDF}), "フォルダの外"),
        ("メモ.txt", b"hello", "使えるもの"),
    ],
)
def test_documents_that_are_not_what_they_say_are_refused(tmp_path, name, content, expected):
    folder = _documents(tmp_path, name, content)
    result = tsunagu(tmp_path, "publish", str(folder))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "blocked" in result.stdout and expected in result.stdout.replace("\n", "")
    assert not (tmp_path / "instance" / "work" / "kashiwa-waste-report" / name).exists()


def _served(tmp_path: Path) -> bytes:
    """The published document's bytes as the site serves them."""
    client = create_app(load_settings({"data_dir": tmp_path / "instance"}, env={})).test_client()
    [resource] = client.get("/api/v1/datasets/kashiwa-waste-report").get_json()["resources"]
    return client.get(resource["url"].removeprefix("http://localhost")).data


def test_a_report_replaced_by_an_executable_is_blocked_and_the_published_one_stays(tmp_path):
    """publish → re-upload that is not what it says → blocked → fixed → published: a document
    has no schema, so its "drift" is its content; the published file is never replaced by it."""
    folder = _documents(tmp_path, "報告書.pdf", PDF)
    assert tsunagu(tmp_path, "publish", str(folder)).returncode == 0
    (folder / "報告書.pdf").write_bytes(b"MZ\x90\x00" + bytes(200))
    blocked = tsunagu(tmp_path, "publish", str(folder))
    assert blocked.returncode == 1 and "実行ファイル" in blocked.stdout.replace("\n", "")
    assert _served(tmp_path) == PDF  # the published report stays as it was

    newer = PDF.replace(b"1.4", b"1.7")
    (folder / "報告書.pdf").write_bytes(newer)
    updated = tsunagu(tmp_path, "publish", str(folder))
    assert updated.returncode == 0 and "updated" in updated.stdout, updated.stdout
    assert _served(tmp_path) == newer
