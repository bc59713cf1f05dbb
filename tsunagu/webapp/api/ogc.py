"""``/ogc``: OGC API – Features Part 1 Core, as JSON/GeoJSON and as HTML pages.

The format is ``?f=json|html`` when given, else the ``Accept`` header (JSON first, so ``*/*``
clients such as OWSLib get JSON and browsers, which ask for ``text/html``, get pages). The
documents are built in :mod:`tsunagu.services.ogc`; features come from the map API's
feature store, so a layer is parsed once for both APIs. Errors answer with Tsunagu's JSON error
shape plus ``description`` (which also makes it an OGC exception document), or the HTML error
page when HTML was asked for.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from tsunagu.errors import DatasetNotFound, TsunaguError
from tsunagu.maps.layers import MAX_DATASETS, geojson_key, spatial_bbox
from tsunagu.services import ogc
from tsunagu.webapp.api import features as features_api
from tsunagu.webapp.api.openapi import load_spec
from tsunagu.webapp.context import web
from tsunagu.webapp.errors import error_body

bp = Blueprint("ogc", __name__, url_prefix="/ogc")
_FORMATS = {"json": "json", "geojson": "json", "html": "html"}


def response_format() -> str:
    """``json`` or ``html`` from ``?f=`` or, failing that, the Accept header."""
    chosen = request.args.get("f")
    if chosen:
        if chosen not in _FORMATS:
            raise ogc.OgcQueryError(
                f'f must be "json" or "html", got "{chosen[:20]}"',
                message_ja=f"f は json か html で指定してください（「{chosen[:20]}」）",
            )
        return _FORMATS[chosen]
    best = request.accept_mimetypes.best_match([ogc.JSON, ogc.GEOJSON, ogc.HTML], ogc.JSON)
    return "html" if best == ogc.HTML else "json"


def base_url() -> str:
    return url_for("ogc.landing", _external=True).rstrip("/")


def lang() -> str:
    return "en" if request.args.get("lang") == "en" else "ja"


def respond(
    doc: dict[str, Any], template: str, media_type: str = ogc.JSON, **extra: Any
) -> ResponseReturnValue:
    if response_format() == "html":
        return render_template(template, doc=doc, **extra)
    response = jsonify(doc)
    response.mimetype = media_type
    return response


def geo_record(collection_id: str) -> Any:
    """The catalogue record behind a collection; 404 unless it is a dataset with GeoJSON."""
    try:
        record = web().catalogue.get_dataset(collection_id)
    except DatasetNotFound as exc:
        raise ogc.collection_not_found(collection_id) from exc
    if geojson_key(record) is None or record.private:
        raise ogc.collection_not_found(collection_id)
    return record


def layer(collection_id: str) -> Any:
    return features_api.store().layer(collection_id)


@bp.get("")
@bp.get("/")
def landing() -> ResponseReturnValue:
    doc = ogc.landing_doc(
        base_url(),
        url_for("openapi_api.openapi", _external=True),
        response_format(),
        web().settings.site_title,
        openapi_version=str(load_spec()["openapi"]),
    )
    return respond(doc, "ogc_landing.html")


@bp.get("/conformance")
def conformance() -> ResponseReturnValue:
    return respond(ogc.conformance_doc(base_url(), response_format()), "ogc_conformance.html")


@bp.get("/collections")
def collections() -> ResponseReturnValue:
    records = web().catalogue.search("", rows=MAX_DATASETS).results
    docs = [
        ogc.collection_doc(base_url(), r, lang(), spatial_bbox(r.meta.spatial))
        for r in records
        if geojson_key(r) is not None and not r.private
    ]
    doc = ogc.collections_doc(base_url(), docs, response_format())
    return respond(doc, "ogc_collections.html")


@bp.get("/collections/<collection_id>")
def collection(collection_id: str) -> ResponseReturnValue:
    record = geo_record(collection_id)
    bbox = spatial_bbox(record.meta.spatial) or ogc.layer_extent(layer(collection_id))
    doc = ogc.collection_doc(base_url(), record, lang(), bbox)
    return respond(doc, "ogc_collection.html")


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str) -> ResponseReturnValue:
    record = geo_record(collection_id)
    loaded = layer(collection_id)
    args = request.args.to_dict()
    query = ogc.parse_items_query(args, loaded.fields)
    doc = ogc.items_doc(base_url(), collection_id, loaded, query, response_format(), args)
    return respond(doc, "ogc_items.html", ogc.GEOJSON, record=record, fields=loaded.fields)


@bp.get("/collections/<collection_id>/items/<path:feature_id>")
def item(collection_id: str, feature_id: str) -> ResponseReturnValue:
    record = geo_record(collection_id)
    loaded = layer(collection_id)
    row = ogc.find_feature(loaded, feature_id)
    if row is None:
        raise ogc.feature_not_found(collection_id, feature_id)
    doc = ogc.item_doc(base_url(), collection_id, loaded, row, response_format())
    return respond(doc, "ogc_item.html", ogc.GEOJSON, record=record)


@bp.errorhandler(TsunaguError)
def _tsunagu_error(exc: TsunaguError) -> ResponseReturnValue:
    return _error(exc.http_status, exc.code, exc.message_ja, exc.message_en)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> ResponseReturnValue:
    code = (exc.name or "error").lower().replace(" ", "-")
    return _error(exc.code or 500, code, exc.description or "", exc.description or "")


def _error(status: int, code: str, message_ja: str, message_en: str) -> ResponseReturnValue:
    try:
        html = response_format() == "html"
    except ogc.OgcQueryError:
        html = False  # the f parameter itself was bad: answer in JSON
    if html:
        message = {"message_ja": message_ja, "message_en": message_en}
        return render_template("error.html", status=status, **message), status
    body = {**error_body(status, code, message_en, message_ja), "description": message_en}
    return jsonify(body), status
