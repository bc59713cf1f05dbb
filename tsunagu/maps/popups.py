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
from collections.abc import Sequence
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
    "地域名",
    "場所名称",
)
#: Fields not repeated in the popup body (the position is the marker itself).
POPUP_HIDDEN = ("緯度", "経度")
#: What a resident looks for, in this order: the name, where, how to call, when it is open.
#: Popups and the map's tables put these first (issue 13: people's fields before codes).
PEOPLE_FIRST = (
    "名称",
    "イベント名",
    "施設名",
    "避難所名",
    "文化財名称",
    "地域名",
    "地区名",
    "所在地_連結表記",
    "建物名等(方書)",
    "設置位置",
    "場所名称",
    "開始日",
    "終了日",
    "電話番号",
    "内線番号",
    "連絡先名称",
    "連絡先電話番号",
    "利用可能曜日",
    "開始時間",
    "終了時間",
    "利用開始時間",
    "利用終了時間",
    "利用可能日時特記事項",
    "利用可能時間特記事項",
    "診療曜日",
    "診療開始時間",
    "診療終了時間",
    "SSID",
    "提供エリア",
    "URL",
)
#: Machine fields: last in tables and left out of popups (codes, ids, the split address parts
#: that 所在地_連結表記 already says, coordinates).
MACHINE_FIELDS = (
    "全国地方公共団体コード",
    "ID",
    "地方公共団体名",
    "所在地_全国地方公共団体コード",
    "町字ID",
    "所在地_都道府県",
    "所在地_市区町村",
    "所在地_町字",
    "所在地_番地以下",
    "市区町村コード",
    "POIコード",
    "法人番号",
    "画像_ライセンス",
    "緯度",
    "経度",
)

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


def people_first(fields: Sequence[str]) -> list[str]:
    """``fields`` in reading order for a resident: :data:`PEOPLE_FIRST` in that order, then the
    rest as published, then :data:`MACHINE_FIELDS`. ``static/map.js`` applies the same rule
    from :func:`popup_config` (this is its reference, tested in Python)."""
    rank = {name: index for index, name in enumerate(PEOPLE_FIRST)}
    machine = set(MACHINE_FIELDS)
    first = sorted((f for f in fields if f in rank), key=rank.__getitem__)
    middle = [f for f in fields if f not in rank and f not in machine]
    last = [f for f in fields if f in machine and f not in rank]
    return [*first, *middle, *last]


def popup_config() -> dict[str, Any]:
    """The popup rules the browser script applies to every layer."""
    return {
        "titleFields": list(TITLE_FIELDS),
        "hidden": list(POPUP_HIDDEN),
        "first": list(PEOPLE_FIRST),
        "machine": list(MACHINE_FIELDS),
    }
