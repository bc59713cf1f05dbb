"""Publish the map test data into a catalogue, as the publisher would (used by map tests)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from tsunagu.catalogue.base import DatasetMeta, PublishRequest, ResourceFile

DATA = Path(__file__).resolve().parent.parent / "data" / "maps"
PAYLOAD_TITLE = "<img src=x onerror=alert(5)>避難所`${alert(6)}`"


def _meta(dataset_id: str, title: str) -> DatasetMeta:
    return DatasetMeta(
        id=dataset_id,
        title_ja=title,
        title_en="",
        description_ja="",
        description_en="",
        organisation="kenko",
        organisation_title_ja="健康政策課",
        organisation_title_en="Health Policy Division",
        standard="aed-installations",
        standard_title="AED設置箇所一覧",
        licence="CC-BY-4.0",
        update_frequency="yearly",
        municipality_code="122173",
        municipality_name="千葉県柏市",
    )


def publish_geojson(catalogue, folder: Path, dataset_id: str, title: str, source: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{dataset_id}.geojson"
    shutil.copyfile(source, path)
    data = path.read_bytes()
    resource = ResourceFile(
        "geojson",
        path,
        path.name,
        "GeoJSON",
        "application/geo+json",
        hashlib.sha256(data).hexdigest(),
        len(data),
    )
    catalogue.publish(PublishRequest(_meta(dataset_id, title), (resource,)))


def add_map_layers(catalogue, folder: Path) -> None:
    """Two geo datasets: four Kashiwa AEDs, and five points made of XSS payloads."""
    publish_geojson(
        catalogue, folder, "kashiwa-aed-map", "柏市AED地図", DATA / "kashiwa_aed.geojson"
    )
    publish_geojson(catalogue, folder, "payloads", PAYLOAD_TITLE, DATA / "payloads.geojson")
