"""OGC API – Features, Part 1 Core: the documents, built from the catalogue and the feature store.

Why a standard API next to our own: desktop GIS (QGIS's "WFS / OGC API – Features" source), OWSLib
and GDAL's OAPIF driver speak it out of the box, so a Kashiwa layer opens in them from one URL
with no Tsunagu-specific code. One collection per catalogue dataset that has a published GeoJSON;
items come from the feature store (:mod:`tsunagu.services.features`), never a second copy.

No Flask here (house style §3.2 e): functions take a base URL and plain values and return the
JSON-ready documents; :mod:`tsunagu.webapp.api.ogc` negotiates the format and renders.

Decisions worth knowing:

- ``bbox`` compares each feature's bounding box with the box (exact for points); W > E
  (antimeridian) is refused, Kashiwa is nowhere near it. Only CRS84 is served, so ``bbox-crs``
  (and ``crs``) other than CRS84 is a 400.
- Unknown query parameters are a 400 (/req/core/query-param-unknown), except property names of
  the collection, which filter by exact value (/rec/core/fc-filters). ``datetime`` is accepted
  and checked for shape but filters nothing: the datasets have no temporal geometry.
- Errors use Tsunagu's JSON error shape, whose ``code`` and added ``description`` also satisfy
  the OGC exception schema.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

import numpy as np

from tsunagu.errors import DatasetNotFound
from tsunagu.services.features import FeatureLayer, FeatureQuery, query_layer
from tsunagu.services.request_input import UNKNOWN_PARAMETER, BadParameter, query_int

DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
MAX_OFFSET = 1_000_000_000
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_CRS84_ALIASES = {CRS84, CRS84.replace("http://", "https://"), "CRS84", "OGC:CRS84"}
_SPEC = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
CONFORMANCE = tuple(_SPEC + name for name in ("core", "geojson", "html", "oas30"))
PARAMS = frozenset({"bbox", "bbox-crs", "crs", "limit", "offset", "f", "lang", "datetime"})
JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version={version}"
_DATETIME = re.compile(r"(\.\.|[0-9T:.+\-Z]{4,40})(/(\.\.|[0-9T:.+\-Z]{4,40}))?")


class OgcQueryError(BadParameter):
    """A malformed OGC API request (bbox, bbox-crs, limit, offset, f or a parameter): 400,
    with the code of the kind of mistake shared by every route (the body also carries OGC's
    ``description``)."""


def collection_not_found(collection_id: str) -> DatasetNotFound:
    return DatasetNotFound(
        f"no collection {collection_id!r}: it is not a dataset with map data (GeoJSON)",
        message_ja=f"コレクション「{collection_id}」はありません（地図データのあるデータセットではありません）",
        code="collection-not-found",
    )


def feature_not_found(collection_id: str, feature_id: str) -> DatasetNotFound:
    return DatasetNotFound(
        f"no feature {feature_id[:80]!r} in collection {collection_id!r}",
        message_ja=f"コレクション「{collection_id}」に地物「{feature_id[:80]}」はありません",
        code="feature-not-found",
    )


def link(href: str, rel: str, media_type: str, title: str = "") -> dict[str, str]:
    out = {"href": href, "rel": rel, "type": media_type}
    if title:
        out["title"] = title
    return out


def url(base: str, path: str, **params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{base}{path}" + (f"?{query}" if query else "")


def self_links(base: str, path: str, fmt: str, data_type: str, **params: Any) -> list[dict]:
    """``self`` in the format served and ``alternate`` in the other one."""
    other = "html" if fmt == "json" else "json"
    types = {"json": data_type, "html": HTML}
    return [
        link(url(base, path, **params, f=fmt), "self", types[fmt], "this document"),
        link(url(base, path, **params, f=other), "alternate", types[other], f"as {other.upper()}"),
    ]


def openapi_media_type(openapi_version: str) -> str:
    """The ``service-desc`` type for the document really linked: ``3.1.0`` → ``version=3.1``."""
    major_minor = ".".join(openapi_version.split(".")[:2])
    return OPENAPI.format(version=major_minor)


def landing_doc(
    base: str, api_doc: str, fmt: str, title: str, openapi_version: str = "3.1.0"
) -> dict[str, Any]:
    return {
        "title": title,
        "description": "OGC API – Features (Part 1 Core) over the open data catalogue",
        "links": [
            *self_links(base, "", fmt, JSON),
            link(
                api_doc,
                "service-desc",
                openapi_media_type(openapi_version),
                "the API definition (OpenAPI)",
            ),
            link(url(base, "/conformance"), "conformance", JSON, "conformance classes"),
            link(
                url(base, "/conformance"),
                "http://www.opengis.net/def/rel/ogc/1.0/conformance",
                JSON,
            ),
            link(url(base, "/collections"), "data", JSON, "collections"),
            link(url(base, "/collections"), "http://www.opengis.net/def/rel/ogc/1.0/data", JSON),
        ],
    }


def conformance_doc(base: str, fmt: str) -> dict[str, Any]:
    return {"conformsTo": list(CONFORMANCE), "links": self_links(base, "/conformance", fmt, JSON)}


def collection_doc(
    base: str, record: Any, lang: str, bbox: tuple[float, float, float, float] | None
) -> dict[str, Any]:
    """One dataset as a collection: title, description, extent and its items link."""
    meta = record.meta
    english = lang == "en"
    path = f"/collections/{meta.id}"
    doc: dict[str, Any] = {
        "id": meta.id,
        "title": (meta.title_en if english and meta.title_en else meta.title_ja),
        "description": (
            meta.description_en if english and meta.description_en else meta.description_ja
        ),
        "itemType": "feature",
        "crs": [CRS84],
        "keywords": list(meta.tags),
        "links": [
            link(url(base, path), "self", JSON, "this collection"),
            link(url(base, path, f="html"), "alternate", HTML, "this collection as HTML"),
            link(url(base, path + "/items"), "items", GEOJSON, "the features"),
            link(url(base, path + "/items", f="html"), "items", HTML, "the features as HTML"),
        ],
    }
    if bbox is not None:
        doc["extent"] = {"spatial": {"bbox": [list(bbox)], "crs": CRS84}}
    return doc


def collections_doc(base: str, docs: list[dict[str, Any]], fmt: str) -> dict[str, Any]:
    return {"collections": docs, "links": self_links(base, "/collections", fmt, JSON)}


def layer_extent(layer: FeatureLayer) -> tuple[float, float, float, float] | None:
    located = layer.bounds[np.isfinite(layer.bounds).all(axis=1)]
    if not located.size:
        return None
    west, south = located[:, 0].min(), located[:, 1].min()
    east, north = located[:, 2].max(), located[:, 3].max()
    return float(west), float(south), float(east), float(north)


def parse_items_query(args: Mapping[str, str], fields: list[str]) -> FeatureQuery:
    """Validate the items query string; property names filter, anything else unknown is a 400."""
    unknown = sorted(set(args) - PARAMS - set(fields))
    if unknown:
        raise OgcQueryError(
            f"unknown query parameter {unknown[0][:40]!r}",
            message_ja=f"パラメータ「{unknown[0][:40]}」はありません",
            code=UNKNOWN_PARAMETER,
        )
    for name in ("bbox-crs", "crs"):
        if args.get(name) and args[name] not in _CRS84_ALIASES:
            raise _bad(f"{name} {args[name][:80]!r} is not served; only {CRS84}")
    if args.get("datetime") and not _DATETIME.fullmatch(args["datetime"]):
        raise _bad(f"datetime {args['datetime'][:40]!r} is not an RFC 3339 instant or interval")
    bbox = _bbox(args["bbox"]) if args.get("bbox") else None
    limit = query_int(args, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT, OgcQueryError) or DEFAULT_LIMIT
    offset = query_int(args, "offset", 0, 0, MAX_OFFSET, OgcQueryError) or 0
    filters = {k: v for k, v in args.items() if k in fields and k not in PARAMS}
    return FeatureQuery(bbox=bbox, limit=limit, offset=offset, filters=filters)


def _bad(message: str) -> OgcQueryError:
    return OgcQueryError(message, message_ja=f"パラメータが不正です: {message}")


def _bbox(raw: str) -> tuple[float, float, float, float]:
    """W,S,E,N in CRS84 (a 6-number 3D box drops its heights); W ≤ E, S ≤ N, on the globe."""
    parts = raw.split(",")
    if len(parts) == 6:
        parts = [parts[0], parts[1], parts[3], parts[4]]
    try:
        west, south, east, north = (float(part) for part in parts)
    except ValueError:
        west = south = east = north = math.nan
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):  # NaN fails too
        raise _bad(f'bbox must be "W,S,E,N" in degrees with W ≤ E and S ≤ N, got "{raw[:80]}"')
    return west, south, east, north


def items_doc(
    base: str, collection_id: str, layer: FeatureLayer, query: FeatureQuery, fmt: str, args: dict
) -> dict[str, Any]:
    """A page of features with ``numberMatched``/``numberReturned`` and the paging links."""
    result = query_layer(layer, query)
    path = f"/collections/{collection_id}/items"
    params = {k: v for k, v in args.items() if k not in ("f", "offset")}
    links = [
        *self_links(base, path, fmt, GEOJSON, **params, offset=query.offset or None),
        link(url(base, f"/collections/{collection_id}"), "collection", JSON, "the collection"),
    ]
    media = GEOJSON if fmt == "json" else HTML
    following = query.offset + query.limit
    if following < result["total"]:
        links.append(link(url(base, path, **params, offset=following, f=fmt), "next", media))
    if query.offset > 0:
        before = max(0, min(query.offset, result["total"]) - query.limit)
        links.append(link(url(base, path, **params, offset=before, f=fmt), "prev", media))
    return {
        "type": "FeatureCollection",
        "features": result["features"],
        "numberMatched": result["total"],
        "numberReturned": len(result["features"]),
        "timeStamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "links": links,
    }


def find_feature(layer: FeatureLayer, feature_id: str) -> int | None:
    """Row of the feature whose ``id`` (as text) is ``feature_id``."""
    for row, value in enumerate(layer.ids):
        if str(value) == feature_id:
            return row
    return None


def item_doc(
    base: str, collection_id: str, layer: FeatureLayer, row: int, fmt: str
) -> dict[str, Any]:
    from tsunagu.services.features import features

    feature = features(layer, np.array([row]))[0]
    path = f"/collections/{collection_id}/items/{quote(str(feature['id']), safe='')}"
    feature["links"] = [
        *self_links(base, path, fmt, GEOJSON),
        link(url(base, f"/collections/{collection_id}"), "collection", JSON, "the collection"),
    ]
    return feature
