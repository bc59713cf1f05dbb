"""``GET /api/v1/datasets/<id>/features?bbox=W,S,E,N&zoom=&limit=&offset=&q=&<field>=<value>``.

The map viewer's only data source (features are never embedded in the page), and a public API:
exact features of the bbox and filters, a page at a time, with the total count; at low zoom,
when more matched than one page, grid cells that summarise all matches, so a browser never
receives 100k features at once. The work is in :mod:`tsunagu.services.features`; this view only
parses the request and sends the answer.

Built for hundreds of requests a second per core: the store's lookup is cached (no catalogue
query per request), the body is joined from JSON fragments encoded at load, and the ETag comes
from (dataset, file checksum, normalised query), so ``If-None-Match`` is answered before any
work and :mod:`tsunagu.webapp.api.http` never hashes the body.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path

from flask import Blueprint, Flask, current_app, request
from flask.blueprints import BlueprintSetupState
from flask.wrappers import Response

from tsunagu.errors import TsunaguError
from tsunagu.services.features import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_OFFSET,
    MAX_ZOOM,
    FeatureQuery,
    FeatureQueryError,
    FeatureStore,
    page_json,
    query_etag,
)
from tsunagu.services.request_input import query_int, query_text
from tsunagu.webapp.context import published_file, web

bp = Blueprint("features_api", __name__, url_prefix="/api/v1")
EXTENSION = "tsunagu_features"
#: Query-string names that are not property filters (so no field of these names is filterable).
RESERVED = frozenset({"bbox", "zoom", "limit", "offset", "q", "lang"})
#: ``bbox``'s grammar, the pattern /api/openapi.json documents (four comma-separated numbers).
BBOX = re.compile(r"[-0-9.eE+]+(?:,[-0-9.eE+]+){3}")


def published_geojson(dataset_id: str) -> tuple[Path, str]:
    """The stored GeoJSON of a dataset and its checksum; 404 when it has none."""
    from tsunagu.maps.layers import geojson_key

    return published_file(
        dataset_id, geojson_key, "features-not-found", "map data (GeoJSON)", "地図データ（GeoJSON）"
    )


def store() -> FeatureStore:
    return current_app.extensions[EXTENSION]


def warm(app: Flask) -> list[str]:
    """Load every published map layer now; returns the dataset ids loaded.

    For gunicorn's master (``when_ready`` in gunicorn.conf.py): layers loaded before the fork
    are shared copy-on-write by every worker, instead of each worker parsing each big layer
    (seconds of CPU) on its first request. A layer that cannot be read is skipped (its
    requests answer the error). The catalogue's connections are closed afterwards, since a
    database connection must not cross a fork."""
    from tsunagu.maps.layers import MAX_DATASETS, geojson_key

    loaded = []
    with app.app_context():
        catalogue = web().catalogue
        for record in catalogue.search("", rows=MAX_DATASETS).results:
            if geojson_key(record) is None:
                continue
            try:
                store().layer(record.meta.id)
            except TsunaguError:  # an unreadable layer: its requests will say so, not startup
                continue
            loaded.append(record.meta.id)
        catalogue.release_connections()
    return loaded


@bp.record_once
def _attach_store(state: BlueprintSetupState) -> None:
    app = state.app
    app.extensions.setdefault(EXTENSION, FeatureStore(published_geojson))


@bp.get("/datasets/<dataset_id>/features")
def features(dataset_id: str) -> Response:
    query = parse_query(request.args.to_dict())
    sha256, layer = store().lookup(dataset_id)
    etag = query_etag(dataset_id, sha256, query)
    if request.if_none_match.contains(etag) or request.if_none_match.contains(f"{etag}-gzip"):
        response = Response(status=304)  # the same tag the full answer would carry
        response.set_etag(etag if request.if_none_match.contains(etag) else f"{etag}-gzip")
    else:
        body = page_json(layer, query, ok=True, dataset=dataset_id)
        # A FeatureCollection (counts and grid cells are foreign members, RFC 7946 §6.1).
        response = Response(body, mimetype="application/geo+json")
        response.set_etag(etag)  # http.py adds "-gzip" when it compresses
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


def parse_query(args: Mapping[str, str]) -> FeatureQuery:
    """Validate the query string once, with messages that name the parameter and the value."""
    bbox = _parse_bbox(args["bbox"]) if args.get("bbox") else None
    zoom = query_int(args, "zoom", None, 0, MAX_ZOOM, FeatureQueryError)
    limit = query_int(args, "limit", DEFAULT_LIMIT, 0, MAX_LIMIT, FeatureQueryError)
    offset = query_int(args, "offset", 0, 0, MAX_OFFSET, FeatureQueryError)
    filters = {k: v for k, v in args.items() if k not in RESERVED}
    q = query_text(args, "q", FeatureQueryError)
    return FeatureQuery(bbox, zoom, limit or 0, offset or 0, q, filters)


def _parse_bbox(raw: str) -> tuple[float, float, float, float]:
    try:
        if not BBOX.fullmatch(raw):  # the documented grammar, not whatever float() reads
            raise ValueError(raw)
        west, south, east, north = (float(part) for part in raw.split(","))
    except ValueError:
        west = south = east = north = float("nan")
    box = (west, south, east, north)
    fine = (
        all(math.isfinite(v) for v in box)
        and -180 <= west <= east <= 180
        and -90 <= south <= north <= 90
    )
    if not fine:
        raise FeatureQueryError(
            f'bbox must be "W,S,E,N" in degrees with W ≤ E and S ≤ N, got "{raw[:80]}"',
            message_ja="bbox は「西,南,東,北」の経緯度（西≤東、南≤北）で指定してください"
            f"（「{raw[:80]}」）",
        )
    return box
