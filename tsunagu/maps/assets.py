"""Browser assets served by the app itself, and the Folium map without its CDN defaults.

Folium's default template pulls Leaflet, jQuery, Bootstrap and Font Awesome from four CDNs.
:class:`SelfHostedMap` replaces ``default_js``/``default_css`` per map with the app's own
``/static/vendor/`` copies (npm ``leaflet`` 1.9.4 and ``leaflet.markercluster`` 1.5.3, copied by
``tools/vendor_assets.py`` during ``make install``), and :func:`render_parts` takes Folium's
rendered pieces apart so the page template places them: the element, and the script that gets
the request's CSP nonce. Folium's header (inline switches, ``user-scalable=no``) is not used.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from tsunagu.errors import TsunaguError

#: Files under static/vendor/ the map pages need (relative paths).
VENDOR_JS = ("leaflet/leaflet.js", "leaflet.markercluster/leaflet.markercluster.js")
VENDOR_CSS = (
    "leaflet/leaflet.css",
    "leaflet.markercluster/MarkerCluster.css",
    "leaflet.markercluster/MarkerCluster.Default.css",
)
VENDOR_FILES = (*VENDOR_JS, *VENDOR_CSS, "leaflet/images/marker-icon.png")


class AssetsMissing(TsunaguError):
    """The vendored Leaflet files are not installed (static/vendor/ is not in git)."""

    code = "map-assets-missing"
    http_status = 500


def missing_vendor_files(vendor_dir: Path) -> list[str]:
    return [name for name in VENDOR_FILES if not (vendor_dir / name).is_file()]


def check_vendor(vendor_dir: Path) -> None:
    """Fail with the fix in the message when the npm assets were never copied."""
    missing = missing_vendor_files(vendor_dir)
    if missing:
        raise AssetsMissing(
            f"map assets missing in {vendor_dir} ({', '.join(missing)}): run `make install` "
            "(npm ci + python tools/vendor_assets.py)",
            message_ja=f"地図用ファイルがありません（{', '.join(missing)}）。"
            "`make install` を実行してください",
        )


@dataclass(frozen=True)
class MapParts:
    """A rendered Folium map, ready for a page template."""

    name: str  # the JS variable holding the L.map (Folium's ``get_name()``)
    html: str  # the map element
    script: str  # the map's setup script (inline; the template adds the CSP nonce)
    js: tuple[str, ...]  # script URLs, all the app's own
    css: tuple[str, ...]  # stylesheet URLs, all the app's own


def self_hosted_map(static_url: Any, **options: Any) -> Any:
    """A ``folium.Map`` whose assets are ``static_url(path)`` URLs instead of CDN ones."""
    import folium

    class SelfHostedMap(folium.Map):
        default_js: ClassVar[list[tuple[str, str]]] = [  # type: ignore[misc]  # folium annotates its class-level defaults as instance variables
            ("leaflet", static_url("vendor/" + VENDOR_JS[0]))
        ]
        default_css: ClassVar[list[tuple[str, str]]] = [  # type: ignore[misc]  # folium annotates its class-level defaults as instance variables
            ("leaflet_css", static_url("vendor/" + VENDOR_CSS[0]))
        ]

    return SelfHostedMap(**options)


def render_parts(m: Any, static_url: Any) -> MapParts:
    """Render the figure once and keep the element and the script (not Folium's header)."""
    root = m.get_root()
    root.render()
    return MapParts(
        name=m.get_name(),
        html=root.html.render(),
        script=root.script.render(),
        js=(*(url for _, url in m.default_js), static_url("vendor/" + VENDOR_JS[1])),
        css=(
            *(url for _, url in m.default_css),
            *(static_url("vendor/" + path) for path in VENDOR_CSS[1:]),
        ),
    )
