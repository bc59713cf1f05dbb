"""The change feed: every published version of every dataset, newest first, as Atom and JSON Feed.

Aggregators and the national catalogue poll this instead of re-reading the whole catalogue; each
entry is one version (what was added, changed or removed since the one before) and links to the
dataset page and to that version's own files, which stay downloadable after later updates.
Built with ElementTree / json, so dataset text is escaped by the serialiser, never by hand.

A feed is written in one language, entries included (titles, summaries, authors): Japanese, or
English with ``?lang=en`` (taken from the URL only, so a subscribed feed never changes language
with a cookie). ``?dataset=<id>`` narrows a feed to one dataset — the per-dataset feed its page
advertises with ``<link rel="alternate">``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from tsunagu.catalogue.base import DatasetRecord, VersionRecord
from tsunagu.services.ckan.actions import all_records
from tsunagu.services.ckan.shapes import absolute
from tsunagu.services.dataset_view import parse_time
from tsunagu.webapp.context import web

bp = Blueprint("feed_api", __name__, url_prefix="/api/v1")
ATOM = "http://www.w3.org/2005/Atom"
JSON_FEED = "https://jsonfeed.org/version/1.1"
MAX_ENTRIES = 100
#: Feed words by language (the feed's, never mixed).
WORDS = {
    "ja": {
        "feed": "{site} 更新情報",
        "dataset_feed": "{title} 更新情報",
        "entry": "{title}（第{n}版）",
        "added": "追加",
        "changed": "変更",
        "removed": "削除",
        "join": "、",
        "sep": "／",
        "colon": "：",
        "metadata": "メタデータのみ更新",
    },
    "en": {
        "feed": "{site}: updates",
        "dataset_feed": "{title}: updates",
        "entry": "{title} (version {n})",
        "added": "added",
        "changed": "changed",
        "removed": "removed",
        "join": ", ",
        "sep": "; ",
        "colon": ": ",
        "metadata": "metadata updated",
    },
}
#: What a resource key is called in a feed entry (other keys are shown as they are).
RESOURCE_NAMES = {
    "ja": {
        "csv": "標準CSV",
        "geojson": "GeoJSON",
        "datapackage": "データパッケージ",
        "report-json": "検証レポート（JSON）",
        "report-html": "検証レポート（HTML）",
        "report-xlsx": "検証レポート（Excel）",
    },
    "en": {
        "csv": "standard CSV",
        "geojson": "GeoJSON",
        "datapackage": "data package",
        "report-json": "validation report (JSON)",
        "report-html": "validation report (HTML)",
        "report-xlsx": "validation report (Excel)",
    },
}


def feed_lang() -> str:
    """``en`` with ``?lang=en``, else Japanese (the URL decides, not the cookie)."""
    return "en" if request.args.get("lang") == "en" else "ja"


@dataclass(frozen=True)
class Entry:
    record: DatasetRecord
    version: VersionRecord
    changes: dict[str, list[str]]  # added / changed / removed resource keys

    def title(self, lang: str) -> str:
        meta = self.record.meta
        name = meta.title_en if lang == "en" and meta.title_en else meta.title_ja
        return WORDS[lang]["entry"].format(title=name, n=self.version.number)

    def summary(self, lang: str) -> str:
        words, names = WORDS[lang], RESOURCE_NAMES[lang]
        parts = [
            words[label] + words["colon"] + words["join"].join(names.get(k, k) for k in keys)
            for label, keys in self.changes.items()
            if keys
        ]
        return words["sep"].join(parts) or words["metadata"]

    def author(self, lang: str) -> str:
        meta = self.record.meta
        if lang == "en" and meta.organisation_title_en:
            return meta.organisation_title_en
        return meta.organisation_title_ja


def _changes(current: VersionRecord, previous: VersionRecord | None) -> dict[str, list[str]]:
    before = previous.checksums if previous else {}
    now = current.checksums
    return {
        "added": sorted(k for k in now if k not in before),
        "changed": sorted(k for k in now if k in before and before[k] != now[k]),
        "removed": sorted(k for k in before if k not in now),
    }


def entries(catalogue: Any, limit: int = MAX_ENTRIES, dataset: str | None = None) -> list[Entry]:
    """Every version of every public dataset (or of ``dataset`` only), newest first (ties:
    dataset id, then version)."""
    found = []
    if dataset is not None:
        records = [catalogue.get_dataset(dataset)]  # DatasetNotFound → 404
    else:
        records = list(all_records(catalogue))
    for record in records:
        versions = catalogue.list_versions(record.meta.id)  # newest first
        for i, version in enumerate(versions):
            previous = versions[i + 1] if i + 1 < len(versions) else None
            found.append(Entry(record, version, _changes(version, previous)))
    found.sort(key=lambda e: (e.version.created, e.record.meta.id, e.version.number), reverse=True)
    return found[:limit]


def _selected() -> tuple[list[Entry], str, str]:
    """(entries, language, feed title) of the requested feed."""
    lang = feed_lang()
    dataset = request.args.get("dataset") or None
    items = entries(web().catalogue, dataset=dataset)
    words = WORDS[lang]
    if dataset is None:
        return items, lang, words["feed"].format(site=_site_title(lang))
    meta = web().catalogue.get_dataset(dataset).meta
    name = meta.title_en if lang == "en" and meta.title_en else meta.title_ja
    return items, lang, words["dataset_feed"].format(title=name)


def _site_title(lang: str) -> str:
    settings = web().settings
    return (
        settings.site_title_en if lang == "en" and settings.site_title_en else settings.site_title
    )


def _self_args() -> dict[str, str]:
    """The query that selects this feed (for its own id and self link)."""
    return {k: v for k, v in request.args.items() if k in ("lang", "dataset") and v}


def _site() -> str:
    return request.host_url.rstrip("/") + request.script_root


def _page(entry: Entry) -> str:
    return url_for("catalogue.dataset", dataset_id=entry.record.meta.id, _external=True)


def _entry_id(entry: Entry) -> str:
    return f"{_page(entry)}#version-{entry.version.number}"


def _files(entry: Entry) -> list[dict[str, Any]]:
    """The version's own files (its URL keeps working after later versions)."""
    catalogue = web().catalogue
    out = []
    by_key = {r.key: r for r in entry.record.resources}
    for key in sorted(entry.version.checksums):
        url = catalogue.resource_url(entry.record.meta.id, key, entry.version.number)
        current = by_key.get(key)
        out.append(
            {
                "url": absolute(_site(), url),
                "title": url.rsplit("/", 1)[-1],
                "mime_type": current.mediatype if current else "application/octet-stream",
            }
        )
    return out


def _updated(items: list[Entry]) -> str:
    return items[0].version.created if items else "1970-01-01T00:00:00+00:00"


def _dated(response: Response, items: list[Entry]) -> Response:
    """Last-Modified = the newest version, so pollers get 304 until something is published."""
    newest = parse_time(_updated(items)) if items else None
    if newest is not None:
        response.last_modified = newest
    return response


@bp.get("/changes.atom")
def changes_atom() -> Response:
    items, lang, title = _selected()
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": lang})
    own = url_for("feed_api.changes_atom", _external=True, **_self_args())
    _text(feed, "id", own)
    _text(feed, "title", title)
    _text(feed, "updated", _updated(items))
    _link(feed, own, "self", "application/atom+xml")
    _link(feed, _home(lang), "alternate", "text/html")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", _site_title(lang))
    for entry in items:
        node = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(node, "id", _entry_id(entry))
        _text(node, "title", entry.title(lang))
        _text(node, "updated", entry.version.created)
        _text(node, "summary", entry.summary(lang))
        writer = ET.SubElement(node, f"{{{ATOM}}}author")
        _text(writer, "name", entry.author(lang))
        _link(node, _page(entry), "alternate", "text/html")
        for file in _files(entry):
            _link(node, file["url"], "enclosure", file["mime_type"], file["title"])
        for tag in entry.record.meta.tags:
            ET.SubElement(node, f"{{{ATOM}}}category", {"term": tag})
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return _dated(Response(body, mimetype="application/atom+xml"), items)


def _home(lang: str) -> str:
    dataset = request.args.get("dataset")
    extra = {"lang": "en"} if lang == "en" else {}
    if dataset:
        return url_for("catalogue.dataset", dataset_id=dataset, _external=True, **extra)
    return url_for("catalogue.datasets", _external=True, **extra)


def _text(parent: ET.Element, name: str, text: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}{name}").text = text


def _link(parent: ET.Element, href: str, rel: str, kind: str, title: str = "") -> None:
    attrs = {"href": href, "rel": rel, "type": kind}
    if title:
        attrs["title"] = title
    ET.SubElement(parent, f"{{{ATOM}}}link", attrs)


@bp.get("/changes.json")
def changes_json() -> Response:
    items, lang, title = _selected()
    feed = {
        "version": JSON_FEED,
        "title": title,
        "home_page_url": _home(lang),
        "feed_url": url_for("feed_api.changes_json", _external=True, **_self_args()),
        "language": lang,
        "items": [
            {
                "id": _entry_id(entry),
                "url": _page(entry),
                "title": entry.title(lang),
                "content_text": entry.summary(lang),
                "date_published": entry.version.created,
                "authors": [{"name": entry.author(lang)}],
                "tags": list(entry.record.meta.tags),
                "attachments": _files(entry),
                "_tsunagu": {
                    "dataset_id": entry.record.meta.id,
                    "version": entry.version.number,
                    "changes": entry.changes,
                },
            }
            for entry in items
        ],
    }
    response = jsonify(feed)
    response.mimetype = "application/feed+json"
    return _dated(response, items)
