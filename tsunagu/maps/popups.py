"""What a popup shows, and the rule that keeps data text inert on the page.

Folium escapes nothing (security-and-bad-inputs.md §2.1): Popup, Tooltip, GeoJsonPopup values,
aliases, field names and layer names all reach ``innerHTML`` or a JS template literal. So the
viewer never hands Folium a data string. Popups and tables are built by ``static/map.js`` with
``textContent`` from the JSON API; the page carries only a JSON config block written by
:func:`safe_json`, which leaves no ``<``, ``>``, ``&``, quote, backtick, ``$`` or line separator
in the HTML, so nothing in it can close the block or be read as markup or template code.

:func:`strict_escape` is the one escaper for anything that must go into a Folium string (the
probe's "mitigated" row): HTML-escape plus the characters a JS template literal interprets.
"""

from __future__ import annotations

import json
from typing import Any

#: The field shown as a popup's heading: the first of these the layer has (standard names).
TITLE_FIELDS = (
    "名称",
    "施設名",
    "名前",
    "避難所名",
    "イベント名",
    "文化財名称",
    "設置場所名",
    "地区名",
)
#: Fields not repeated in the popup body (the position is the marker itself).
POPUP_HIDDEN = ("緯度", "経度")

_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "'": "\\u0027",
    "`": "\\u0060",
    "$": "\\u0024",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_STRICT = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})


def safe_json(value: Any) -> str:
    """JSON for a ``<script type="application/json">`` block, with every risky character escaped.

    ``\\uXXXX`` escapes are plain JSON: ``JSON.parse`` returns the original text.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return "".join(_JSON_ESCAPES.get(ch, ch) for ch in text)


def strict_escape(text: str) -> str:
    """HTML-escape and neutralise ``\\``, backtick and ``$`` as entities (§2.1, item 2)."""
    import html

    return html.escape(text, quote=True).translate(_STRICT)


def popup_config() -> dict[str, Any]:
    """The popup rules the browser script applies to every layer."""
    return {"titleFields": list(TITLE_FIELDS), "hidden": list(POPUP_HIDDEN)}
