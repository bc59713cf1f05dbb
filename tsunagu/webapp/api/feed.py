"""The change feed: every published version of every dataset, newest first, as Atom and JSON Feed.

Aggregators and the national catalogue poll this instead of re-reading the whole catalogue; each
entry is one version (what was added, changed or removed since the one before) and links to the
dataset page and to that version's own files, which stay downloadable after later updates.
Built with ElementTree / json, so dataset text is escaped by the serialiser, never by hand.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from tsunagu.catalogue.base import DatasetRecord, VersionRecord
from tsunagu.webapp.api.ckan_actions import all_records
from tsunagu.webapp.api.ckan_shapes import absolute
from tsunagu.webapp.context import web
from tsunagu.webapp.dataset_view import parse_time

bp = Blueprint("feed_api", __name__, url_prefix="/api/v1")
ATOM = "http://www.w3.org/2005/Atom"
JSON_FEED = "https://jsonfeed.org/version/1.1"
MAX_ENTRIES = 100


@dataclass(frozen=True)
class Entry:
    record: DatasetRecord
    version: VersionRecord
    changes: dict[str, list[str]]  # added / changed / removed resource keys

    @property
    def title(self) -> str:
        return f"{self.record.meta.title_ja}（第{self.version.number}版）"

    @property
    def summary(self) -> str:
        parts = [f"{label}: {', '.join(keys)}" for label, keys in self.changes.items() if keys]
        return "; ".join(parts) or "metadata updated"


def _changes(current: VersionRecord, previous: VersionRecord | None) -> dict[str, list[str]]:
    before = previous.checksums if previous else {}
    now = current.checksums
    return {
        "added": sorted(k for k in now if k not in before),
        "changed": sorted(k for k in now if k in before and before[k] != now[k]),
        "removed": sorted(k for k in before if k not in now),
    }


def entries(catalogue: Any, limit: int = MAX_ENTRIES) -> list[Entry]:
    """Every version of every public dataset, newest first (ties: dataset id, then version)."""
    found = []
    for record in all_records(catalogue):
        versions = catalogue.list_versions(record.meta.id)  # newest first
        for i, version in enumerate(versions):
            previous = versions[i + 1] if i + 1 < len(versions) else None
            found.append(Entry(record, version, _changes(version, previous)))
    found.sort(key=lambda e: (e.version.created, e.record.meta.id, e.version.number), reverse=True)
    return found[:limit]


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
    items = entries(web().catalogue)
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "ja"})
    _text(feed, "id", url_for("feed_api.changes_atom", _external=True))
    _text(feed, "title", f"{web().settings.site_title} 更新情報")
    _text(feed, "updated", _updated(items))
    _link(feed, url_for("feed_api.changes_atom", _external=True), "self", "application/atom+xml")
    _link(feed, url_for("catalogue.datasets", _external=True), "alternate", "text/html")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", web().settings.site_title)
    for entry in items:
        node = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(node, "id", _entry_id(entry))
        _text(node, "title", entry.title)
        _text(node, "updated", entry.version.created)
        _text(node, "summary", entry.summary)
        writer = ET.SubElement(node, f"{{{ATOM}}}author")
        _text(writer, "name", entry.record.meta.organisation_title_ja)
        _link(node, _page(entry), "alternate", "text/html")
        for file in _files(entry):
            _link(node, file["url"], "enclosure", file["mime_type"], file["title"])
        for tag in entry.record.meta.tags:
            ET.SubElement(node, f"{{{ATOM}}}category", {"term": tag})
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return _dated(Response(body, mimetype="application/atom+xml"), items)


def _text(parent: ET.Element, name: str, text: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}{name}").text = text


def _link(parent: ET.Element, href: str, rel: str, kind: str, title: str = "") -> None:
    attrs = {"href": href, "rel": rel, "type": kind}
    if title:
        attrs["title"] = title
    ET.SubElement(parent, f"{{{ATOM}}}link", attrs)


@bp.get("/changes.json")
def changes_json() -> Response:
    items = entries(web().catalogue)
    feed = {
        "version": JSON_FEED,
        "title": f"{web().settings.site_title} 更新情報",
        "home_page_url": url_for("catalogue.datasets", _external=True),
        "feed_url": url_for("feed_api.changes_json", _external=True),
        "language": "ja",
        "items": [
            {
                "id": _entry_id(entry),
                "url": _page(entry),
                "title": entry.title,
                "content_text": entry.summary,
                "date_published": entry.version.created,
                "authors": [{"name": entry.record.meta.organisation_title_ja}],
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
