"""``/api`` and ``/api/v1``: a small index of the APIs instead of a 404 (issue 13).

A developer who tries the obvious URL first should land on a map of what exists: each API with
its URL, what it is for, and where the human guide (``/developers``) and the OpenAPI document
are. The same document answers both paths (``/api/v1`` lists the v1 routes as URL templates).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request, url_for
from flask.wrappers import Response

bp = Blueprint("api_index", __name__)

#: (key, path or template under the site, description en, description ja)
APIS: tuple[tuple[str, str, str, str], ...] = (
    ("datasets", "/api/v1/datasets", "Search the catalogue (JSON; DCAT JSON-LD with "
     "Accept: application/ld+json)", "データセットの検索（JSON、DCAT JSON-LD）"),
    ("dataset", "/api/v1/datasets/{dataset_id}", "One dataset's metadata and files",
     "1件のデータセットのメタデータとファイル"),
    ("rows", "/api/v1/datasets/{dataset_id}/rows", "Rows of the standard CSV, filtered, "
     "sorted and paged, typed per the schema (raw=1 for text)",
     "標準CSVの行（絞り込み・並べ替え・ページ送り、型付き）"),
    ("rows_csv", "/api/v1/datasets/{dataset_id}/rows.csv", "The same selection as CSV",
     "同じ条件の行を CSV で"),
    ("features", "/api/v1/datasets/{dataset_id}/features", "Map features as GeoJSON (bbox, "
     "filters, paging)", "地物の GeoJSON（範囲・絞り込み・ページ送り）"),
    ("changes_atom", "/api/v1/changes.atom", "What was published when (Atom)",
     "更新情報（Atom）"),
    ("changes_json", "/api/v1/changes.json", "What was published when (JSON Feed)",
     "更新情報（JSON Feed）"),
    ("ogc", "/ogc", "OGC API – Features for GIS software (QGIS, OWSLib, GDAL)",
     "GIS ソフト向けの OGC API – Features"),
    ("ckan", "/api/3/action/{action}", "CKAN-compatible Action API (ckanapi works unchanged)",
     "CKAN 互換 API"),
    ("openapi", "/api/openapi.json", "The OpenAPI 3.1 description of every route",
     "全 API の OpenAPI 3.1 定義"),
)  # fmt: skip


def index_doc(site: str, lang: str) -> dict[str, Any]:
    """The index as JSON-ready data; ``site`` is the absolute site root without a slash."""
    english = lang == "en"
    return {
        "ok": True,
        "name": "Tsunagu open data API",
        "version": "1",
        "documentation": site + "/developers",
        "openapi": site + "/api/openapi.json",
        "apis": [
            {
                "name": key,
                "url": site + path,
                "description": en if english else ja,
            }
            for key, path, en, ja in APIS
        ],
    }


@bp.get("/api")
@bp.get("/api/")
@bp.get("/api/v1")
@bp.get("/api/v1/")
def index() -> Response:
    site = url_for("catalogue.home", _external=True).rstrip("/")
    lang = "en" if request.args.get("lang") == "en" else "ja"
    response = jsonify(index_doc(site, lang))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
