"""「データ時点」 and 問い合わせ先 as people meet them (issue 13): published by the real CLI from a
copy of the AED sample, read on the dataset page in Japanese and English, in the JSON API,
DCAT and the CKAN-compatible API."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.webapp.browser_support import demo_app

REPO = Path(__file__).resolve().parents[2]
AED = REPO / "datasets" / "kashiwa" / "kenko" / "aed-installations"
MUNICIPALITY = """\
code: "122173"
name: 千葉県柏市
departments:
  kenko:
    ja: 健康政策課
    en: Health Policy Division
    contact:
      phone: 04-7167-1111 内線234
      email: kenko@example.jp
"""


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # our own CLI, fixed arguments
        [sys.executable, "-m", "tsunagu", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "COLUMNS": "400"},  # rich folds long paths at the terminal width
    )


def _dataset(root: Path, ident: str, extra: str = "") -> Path:
    folder = root / "kenko" / ident
    shutil.copytree(AED, folder)
    manifest = folder / "dataset.yaml"
    text = manifest.read_text(encoding="utf-8")
    text = text.replace("id: kashiwa-aed-installations", f"id: {ident}") + extra
    manifest.write_text(text, encoding="utf-8")
    return manifest


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """One ``tsunagu publish`` over three datasets; the one with a bad data_as_of is refused
    and the other two are published all the same."""
    root = tmp_path_factory.mktemp("city")
    (root / "municipality.yaml").write_text(MUNICIPALITY, encoding="utf-8")
    _dataset(root, "aed-title")  # the title row says 令和6年4月1日現在
    _dataset(
        root,
        "aed-manifest",
        "data_as_of: 令和6年3月31日\n"
        "contact:\n  name: {ja: 健康政策課 救急係, en: Emergency Care Section}\n"
        "  url: https://www.city.example.jp/kenko/aed.html\n",
    )
    bad = _dataset(root, "aed-bad", "data_as_of: 平成31年5月1日\n")  # 平成 ended 4月30日
    data_dir = tmp_path_factory.mktemp("data")
    result = _cli("--data-dir", str(data_dir), "publish", str(root), cwd=REPO)
    return data_dir, bad, result


@pytest.fixture(scope="module")
def client(published):
    return demo_app(published[0]).test_client()


def _meta(page: str) -> str:
    block = page[page.index('<dl class="meta-list">') : page.index("</dl>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block))


def test_data_as_of_from_the_title_row(client):
    ja = client.get("/datasets/aed-title?lang=ja").get_data(as_text=True)
    assert re.search(r"データ時点 令和6年4月1日現在 公開日（最終更新） \d{4}-", _meta(ja))
    assert '<time datetime="2024-04-01">令和6年4月1日現在</time>' in ja
    en = _meta(client.get("/datasets/aed-title?lang=en").get_data(as_text=True))
    assert "Data as of 2024-04-01" in en and "令和" not in en
    body = client.get("/api/v1/datasets/aed-title").get_json()
    assert body["data_as_of"] == "2024-04-01"
    package = client.get("/api/3/action/package_show?id=aed-title").get_json()["result"]
    assert {"key": "data_as_of", "value": "2024-04-01"} in package["extras"]
    descriptor = client.get("/datasets/aed-title/resources/datapackage/datapackage.json")
    assert descriptor.get_json()["x-data-as-of"] == "2024-04-01"
    assert descriptor.get_json()["x-contact"]["email"] == "kenko@example.jp"


def test_manifest_data_as_of_wins_and_reaches_dcat(client):
    ja = _meta(client.get("/datasets/aed-manifest?lang=ja").get_data(as_text=True))
    assert "データ時点 令和6年3月31日現在" in ja
    dcat = client.get("/api/v1/datasets/aed-manifest?format=jsonld")
    assert dcat.status_code == 200
    temporal = dcat.get_json()["dct:temporal"]
    assert temporal["dcat:endDate"] == {"@value": "2024-03-31", "@type": "xsd:date"}


def test_contact_from_the_department(client):
    page = client.get("/datasets/aed-title?lang=ja").get_data(as_text=True)
    meta = _meta(page)
    assert "問い合わせ先 健康政策課 電話: 04-7167-1111 内線234 メール: kenko@example.jp" in meta
    assert 'href="tel:+81-4-7167-1111;ext=234"' in page
    assert 'href="mailto:kenko@example.jp"' in page
    en = _meta(client.get("/datasets/aed-title?lang=en").get_data(as_text=True))
    assert "Contact Health Policy Division Phone: 04-7167-1111" in en
    package = client.get("/api/3/action/package_show?id=aed-title").get_json()["result"]
    assert package["maintainer"] == "健康政策課"
    assert package["maintainer_email"] == "kenko@example.jp"


def test_manifest_contact_overrides_field_by_field(client):
    page = client.get("/datasets/aed-manifest?lang=en").get_data(as_text=True)
    meta = _meta(page)
    # its own name and page; the department's phone and e-mail still apply
    assert "Contact Emergency Care Section Phone: 04-7167-1111" in meta
    assert 'href="https://www.city.example.jp/kenko/aed.html"' in page
    contact = client.get("/api/v1/datasets/aed-manifest").get_json()["contact"]
    assert contact == {
        "name": {"ja": "健康政策課 救急係", "en": "Emergency Care Section"},
        "phone": "04-7167-1111 内線234",
        "email": "kenko@example.jp",
        "url": "https://www.city.example.jp/kenko/aed.html",
    }
    dcat = client.get("/api/v1/datasets/aed-manifest?format=jsonld").get_json()
    point = dcat["dcat:contactPoint"]
    assert point["vcard:hasTelephone"] == {"@id": "tel:+81-4-7167-1111;ext=234"}


def test_bad_data_as_of_names_the_file_and_field(published, client):
    _, manifest, result = published
    said = result.stdout + result.stderr
    assert result.returncode == 1, said  # one dataset blocked; the others published
    assert str(manifest) in said and "data_as_of" in said and "平成31年5月1日" in said
    assert client.get("/datasets/aed-bad").status_code == 404
    assert client.get("/datasets/aed-title").status_code == 200
