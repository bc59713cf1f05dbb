"""A web app over a real local catalogue with a few published datasets (including hostile text)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tsunagu.catalogue.base import DatasetMeta, PublishRequest, ResourceFile
from tsunagu.catalogue.local import LocalCatalogue
from tsunagu.config import load_settings
from tsunagu.webapp import create_app

XSS = "<img src=x onerror=alert(1)>"


def _file(
    folder: Path, key: str, name: str, content: str, fmt: str, mediatype: str
) -> ResourceFile:
    path = folder / name
    path.write_text(content, encoding="utf-8")
    data = path.read_bytes()
    return ResourceFile(
        key, path, name, fmt, mediatype, hashlib.sha256(data).hexdigest(), len(data)
    )


def _meta(dataset_id: str, **changes: object) -> DatasetMeta:
    values: dict = {
        "id": dataset_id,
        "title_ja": "柏市AED設置箇所一覧",
        "title_en": "Kashiwa AED locations",
        "description_ja": "市の施設に設置したAEDの一覧",
        "description_en": "AEDs in city facilities",
        "organisation": "kenko",
        "organisation_title_ja": "健康政策課",
        "organisation_title_en": "Health Policy Division",
        "standard": "aed-installations",
        "standard_title": "AED設置箇所一覧",
        "licence": "CC-BY-4.0",
        "update_frequency": "yearly",
        "tags": ("防災", "AED"),
        "municipality_code": "122173",
        "municipality_name": "千葉県柏市",
    }
    values.update(changes)
    return DatasetMeta(**values)


@pytest.fixture
def published(tmp_path) -> LocalCatalogue:
    catalogue = LocalCatalogue(f"sqlite:///{tmp_path / 'cat.sqlite3'}", tmp_path / "storage")
    folder = tmp_path / "files"
    folder.mkdir()
    csv_text = 'ID,名称,緯度,経度\r\n1,柏市役所,35.8676,139.9757\r\n2,=HYPERLINK("http://x"),35.86,139.97\r\n'
    files = (
        _file(folder, "csv", "aed.csv", csv_text, "CSV", "text/csv"),
        _file(
            folder,
            "report-html",
            "aed-report.html",
            "<!doctype html><p>ok</p>",
            "HTML",
            "text/html",
        ),
    )
    catalogue.publish(PublishRequest(_meta("kashiwa-aed"), files))
    population = _file(folder, "csv", "pop.csv", "町丁目,人口\r\n柏,100\r\n", "CSV", "text/csv")
    catalogue.publish(
        PublishRequest(
            _meta(
                "kashiwa-population",
                title_ja="柏市人口統計",
                title_en="Population statistics",
                organisation="shimin",
                organisation_title_ja="市民課",
                organisation_title_en="Citizens Division",
                standard="population-by-area-and-age",
                standard_title="地域・年齢別人口",
                tags=("人口",),
                description_ja="町丁目別・年齢別の人口",
                description_en="Population by area and age",
            ),
            (population,),
        )
    )
    hostile = _file(folder, "csv", "x.csv", f"名称\r\n{XSS}\r\n", "CSV", "text/csv")
    catalogue.publish(
        PublishRequest(_meta("hostile", title_ja=XSS, description_ja=XSS, tags=()), (hostile,))
    )
    return catalogue


@pytest.fixture
def app(tmp_path, published):
    settings = load_settings({"data_dir": tmp_path / "instance"}, env={})
    return create_app(settings, catalogue=published)


@pytest.fixture
def client(app):
    return app.test_client()
