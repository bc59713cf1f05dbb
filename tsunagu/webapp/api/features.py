"""``GET /api/v1/datasets/<id>/features?bbox=W,S,E,N&zoom=&limit=&offset=&q=&<field>=<value>``.

The map viewer's only data source (features are never embedded in the page), and a public API:
exact features of the bbox and filters, a page at a time, with the total count; at low zoom,
when more matched than one page, grid cells that summarise all matches, so a browser never
receives 100k features at once. The work is in :mod:`tsunagu.webapp.features`; this view only
parses the request and serialises the answer.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, current_app, jsonify, request
from flask.wrappers import Response

from tsunagu.errors import DatasetNotFound
from tsunagu.webapp.context import web
from tsunagu.webapp.features import FeatureStore, parse_query

bp = Blueprint("features_api", __name__, url_prefix="/api/v1")
EXTENSION = "tsunagu_features"


def published_geojson(dataset_id: str) -> tuple[Path, str]:
    """The stored GeoJSON of a dataset and its checksum; 404 when it has none."""
    from tsunagu.maps.layers import geojson_key

    catalogue = web().catalogue
    record = catalogue.get_dataset(dataset_id)
    key = geojson_key(record)
    opener = getattr(catalogue, "open_file", None)
    if key is None or opener is None:
        raise DatasetNotFound(
            f"dataset {dataset_id!r} has no map data (GeoJSON) in this catalogue",
            message_ja=f"データセット「{dataset_id}」には地図データ（GeoJSON）がありません",
            code="features-not-found",
        )
    path, info = opener(dataset_id, key)
    return path, info["sha256"]


def store() -> FeatureStore:
    return current_app.extensions[EXTENSION]


@bp.record_once
def _attach_store(state) -> None:
    app: Flask = state.app
    app.extensions.setdefault(EXTENSION, FeatureStore(published_geojson))


@bp.get("/datasets/<dataset_id>/features")
def features(dataset_id: str) -> Response:
    query = parse_query(request.args.to_dict())
    result = store().query(dataset_id, query)
    response = jsonify({"ok": True, **result})
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
