"""Map pages: the viewer (``/map``), the embeddable view (``/map/embed``) and the small map on
dataset pages.

The views stay thin: the layers come from the catalogue, the map from
:func:`tsunagu.maps.viewer.build_map`, the features from the JSON API. The endpoint of the embed
view ends in ``.embed``, which is how :mod:`tsunagu.webapp.security` allows framing it anywhere.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, g, render_template, request, url_for
from flask.signals import before_render_template

from tsunagu.webapp.context import web

bp = Blueprint("maps", __name__)
log = logging.getLogger(__name__)
DATASET_VIEW = "catalogue.dataset"

#: Words the browser script shows (it gets them as JSON and sets them with textContent).
LABELS = {
    "ja": {
        "filter": "絞り込み",
        "filterHint": "どの項目でも一致する文字",
        "shown": "表示範囲 {n} 件",
        "shownOf": "表示範囲 {total} 件のうち {n} 件を表に表示",
        "grid": "件数が多いため集計して表示しています。拡大すると個別に表示します",
        "loading": "読み込み中…",
        "failed": "読み込めませんでした",
        "features": "件",
        "openDataset": "データセットのページ",
        "tableOf": "{title}：地図の表示範囲の地物",
        "empty": "表示範囲に地物はありません",
        "mapName": "地図：{titles}",
        "cluster": "{title} {n}件",
        "zoomIn": "拡大",
        "zoomOut": "縮小",
        "closePopup": "閉じる",
        "legend": "凡例",
        "locate": "現在地",
        "locateHint": "現在地を表示（位置情報の利用を許可するか尋ねます）",
        "locating": "現在地を確認しています…",
        "located": "現在地を表示しました",
        "locateDenied": "位置情報の利用が許可されていないため、現在地を表示できません",
        "locateFailed": "現在地を取得できませんでした",
        "locateUnavailable": "このブラウザでは現在地を利用できません",
        "here": "現在地",
        "embedTitle": "地図",
        "copied": "コピーしました",
        "copyManually": "コピーできませんでした。選択された文字を手動でコピーしてください",
    },
    "en": {
        "filter": "Filter",
        "filterHint": "text found in any field",
        "shown": "{n} in view",
        "shownOf": "{n} of {total} in view shown in the table",
        "grid": "Too many to show one by one: counts per area. Zoom in to see each feature",
        "loading": "Loading…",
        "failed": "Could not load",
        "features": "features",
        "openDataset": "Dataset page",
        "tableOf": "{title}: features in the map view",
        "empty": "No features in view",
        "mapName": "Map: {titles}",
        "cluster": "{title}: {n}",
        "zoomIn": "Zoom in",
        "zoomOut": "Zoom out",
        "closePopup": "Close",
        "legend": "Legend",
        "locate": "My location",
        "locateHint": "Show my location (the browser asks for permission)",
        "locating": "Finding your location…",
        "located": "Showing your location",
        "locateDenied": "Location access is not allowed, so your location cannot be shown",
        "locateFailed": "Your location could not be found",
        "locateUnavailable": "This browser cannot tell your location",
        "here": "You are here",
        "embedTitle": "Map",
        "copied": "Copied",
        "copyManually": "Could not copy: copy the selected text by hand",
    },
}


def _vendor_dir() -> Path:
    return Path(current_app.static_folder or "") / "vendor"


@bp.record_once
def _on_register(state: Any) -> None:
    """Warn at start-up when the npm assets are missing; capture dataset pages for the hook."""
    from tsunagu.maps.assets import missing_vendor_files

    app: Flask = state.app
    missing = missing_vendor_files(Path(app.static_folder or "") / "vendor")
    if missing:
        log.warning("map assets missing (%s): run `make install`", ", ".join(missing))
    before_render_template.connect(_capture_dataset_context, app)
    original = app.view_functions.get(DATASET_VIEW)
    if original is not None:
        app.view_functions[DATASET_VIEW] = _with_dataset_map(original)


def _capture_dataset_context(sender: Flask, template: Any, context: dict, **extra: Any) -> None:
    """Keep the dataset page's context (per request, on ``g``) so the hook can extend it."""
    if template.name == "dataset.html" and request.endpoint == DATASET_VIEW:
        g.tsunagu_dataset_context = context


def _with_dataset_map(original: Any) -> Any:
    """The hook: the catalogue's dataset view, re-rendered as ``dataset_map.html`` (which fills
    its ``dataset_map`` block) when the dataset has a published GeoJSON."""

    def dataset(dataset_id: str) -> Any:
        page = original(dataset_id=dataset_id)
        context = g.pop("tsunagu_dataset_context", None)
        if not context or not context.get("has_geojson"):
            return page
        wanted = {k: v for k, v in context.items() if k not in ("g", "request", "session")}
        return render_template("dataset_map.html", **wanted, **_small_map(context["record"]))

    dataset.__name__ = original.__name__
    dataset.__doc__ = original.__doc__
    return dataset


def _lang() -> str:
    from tsunagu.webapp.i18n import current_lang

    return current_lang()


def _layers(records: Any) -> list:
    from tsunagu.maps.layers import geo_layers

    return geo_layers(
        records,
        lang=_lang(),
        features_url=lambda i: url_for("features_api.features", dataset_id=i),
        dataset_url=lambda i: url_for("catalogue.dataset", dataset_id=i),
    )


def _build(layers: list, *, permalink: bool, view: Any = None) -> dict[str, Any]:
    from tsunagu.maps.assets import check_vendor
    from tsunagu.maps.permalink import parse_view
    from tsunagu.maps.viewer import build_map

    check_vendor(_vendor_dir())
    settings = web().settings
    view = view or parse_view(request.args.to_dict(), settings.municipality_bbox)
    built = build_map(
        layers,
        settings,
        view,
        lambda path: url_for("static", filename=path),
        permalink=permalink,
    )
    return {
        "map": built.parts,
        "map_config": built.config_json,
        "map_labels": _labels_json(),
        "map_layers": layers,
    }


def _labels_json() -> str:
    from tsunagu.maps.popups import safe_json

    return safe_json(LABELS.get(_lang(), LABELS["ja"]))


def _small_map(record: Any) -> dict[str, Any]:
    from tsunagu.maps.layers import spatial_bbox
    from tsunagu.maps.permalink import MapView, default_centre

    layers = _layers([record])
    bbox = spatial_bbox(record.meta.spatial) or web().settings.municipality_bbox
    return _build(layers, permalink=False, view=MapView(default_centre(bbox)))


def _all_layers() -> list:
    from tsunagu.maps.layers import MAX_DATASETS

    return _layers(web().catalogue.search("", rows=MAX_DATASETS).results)


@bp.get("/map")
def viewer() -> str:
    return render_template("map.html", **_build(_all_layers(), permalink=True))


@bp.get("/map/embed")
def embed() -> str:
    return render_template("map_embed.html", **_build(_all_layers(), permalink=True))
