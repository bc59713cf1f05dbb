"""``/api/v1/datasets``: Tsunagu's own dataset API — JSON, or DCAT as JSON-LD on request.

The JSON is bilingual by structure (``{"ja": …, "en": …}``) instead of CKAN's one-language
fields, pages with ``limit``/``offset`` and ``next``/``previous`` links (also as a ``Link``
header), and states its time stamps so http.py can answer ``If-Modified-Since``. DCAT (``Accept:
application/ld+json`` or ``?format=jsonld``) uses DCAT 2 / DCAT-AP terms, which the national
catalogue and European harvesters read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from werkzeug.urls import iri_to_uri

from tsunagu.catalogue.base import DatasetRecord, ResourceRecord
from tsunagu.errors import DatasetNotFound
from tsunagu.services.ckan.shapes import absolute
from tsunagu.services.dataset_view import parse_time
from tsunagu.services.request_input import MAX_INTEGER, query_int, query_text
from tsunagu.webapp.context import web

bp = Blueprint("datasets_api", __name__, url_prefix="/api/v1")
DEFAULT_LIMIT = 20
MAX_LIMIT = 1000
FILTERS = ("organization", "kind", "standard", "tags", "res_format")
JSONLD = "application/ld+json"


def site() -> str:
    return request.host_url.rstrip("/") + request.script_root


def resource_json(dataset_id: str, resource: ResourceRecord) -> dict[str, Any]:
    return {
        "id": resource.id,
        "key": resource.key,
        "name": resource.name,
        "format": resource.format,
        "mediatype": resource.mediatype,
        "sha256": resource.sha256,
        "size": resource.size,
        # A URI, as documented (format: uri): a file name in Japanese is percent-encoded, so
        # clients that do not speak IRIs (curl, older HTTP libraries) can fetch it as given.
        "url": iri_to_uri(absolute(site(), resource.url)),
    }


def _links(record: DatasetRecord) -> dict[str, str]:
    dataset_id = record.meta.id
    links = {
        "self": url_for("datasets_api.dataset", dataset_id=dataset_id, _external=True),
        "html": url_for("catalogue.dataset", dataset_id=dataset_id, _external=True),
        "dcat": url_for(
            "datasets_api.dataset", dataset_id=dataset_id, format="jsonld", _external=True
        ),
        "ckan": f"{site()}/api/3/action/package_show?id={dataset_id}",
    }
    has_geojson = any(r.key == "geojson" for r in record.resources)
    if has_geojson and "features_api.features" in current_app.view_functions:
        links["features"] = url_for("features_api.features", dataset_id=dataset_id, _external=True)
    return links


def dataset_json(record: DatasetRecord) -> dict[str, Any]:
    meta = record.meta
    return {
        "id": meta.id,
        "title": {"ja": meta.title_ja, "en": meta.title_en},
        "description": {"ja": meta.description_ja, "en": meta.description_en},
        "organisation": {
            "id": meta.organisation,
            "title": {"ja": meta.organisation_title_ja, "en": meta.organisation_title_en},
        },
        "standard": {"id": meta.standard, "title": meta.standard_title},
        "licence": meta.licence,
        "tags": list(meta.tags),
        "update_frequency": meta.update_frequency,
        "data_as_of": meta.data_as_of or None,
        "contact": _contact_json(meta.contact),
        "municipality": {"code": meta.municipality_code, "name": meta.municipality_name},
        "spatial": meta.spatial,
        "valid": meta.valid,
        "created": record.created,
        "modified": record.modified,
        "version": record.version,
        "resources": [resource_json(meta.id, r) for r in record.resources],
        "links": _links(record),
    }


def _contact_json(contact: dict[str, str] | None) -> dict[str, Any] | None:
    if not contact:
        return None
    return {
        "name": {"ja": contact.get("name_ja", ""), "en": contact.get("name_en", "")},
        **{key: contact.get(key) or None for key in ("phone", "email", "url")},
    }


# -- DCAT (JSON-LD) ------------------------------------------------------------------------------
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "locn": "http://www.w3.org/ns/locn#",
    "gsp": "http://www.opengis.net/ont/geosparql#",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
}
LICENCE_URIS = {
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "CC-BY-SA-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "ODC-BY-1.0": "https://opendatacommons.org/licenses/by/1-0/",
    "PDDL-1.0": "https://opendatacommons.org/licenses/pddl/1-0/",
}
FREQUENCIES = {  # Dublin Core Collection Frequency vocabulary, as DCAT-AP recommends
    "daily": "http://purl.org/cld/freq/daily",
    "weekly": "http://purl.org/cld/freq/weekly",
    "monthly": "http://purl.org/cld/freq/monthly",
    "quarterly": "http://purl.org/cld/freq/quarterly",
    "yearly": "http://purl.org/cld/freq/annual",
}


def _texts(pair: dict[str, str]) -> list[dict[str, str]]:
    return [{"@value": text, "@language": lang} for lang, text in pair.items() if text]


def _time(stamp: str) -> dict[str, str]:
    return {"@value": stamp, "@type": "xsd:dateTime"}


def bbox_of(geometry: dict[str, Any] | None) -> tuple[float, float, float, float] | None:
    """West, south, east, north of a GeoJSON geometry's coordinates."""
    points: list[list[float]] = []

    def walk(node: Any) -> None:
        if isinstance(node, list) and node and isinstance(node[0], int | float):
            points.append(node)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk((geometry or {}).get("coordinates"))
    if not points:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _spatial(spatial: dict[str, Any] | None) -> dict[str, Any] | None:
    box = bbox_of(spatial)
    if box is None:
        return None
    w, s, e, n = box
    wkt = f"POLYGON(({w} {s}, {e} {s}, {e} {n}, {w} {n}, {w} {s}))"
    return {"@type": "dct:Location", "dcat:bbox": {"@value": wkt, "@type": "gsp:wktLiteral"}}


def _distribution(resource: dict[str, Any], licence: dict[str, str] | None) -> dict[str, Any]:
    media = f"https://www.iana.org/assignments/media-types/{resource['mediatype']}"
    return {
        "@id": resource["url"],
        "@type": "dcat:Distribution",
        "dct:title": resource["name"],
        "dct:format": resource["format"],
        "dcat:mediaType": {"@id": media},
        "dcat:downloadURL": {"@id": resource["url"]},
        "dcat:accessURL": {"@id": resource["url"]},
        "dcat:byteSize": {"@value": str(resource["size"]), "@type": "xsd:nonNegativeInteger"},
        "spdx:checksum": {
            "@type": "spdx:Checksum",
            "spdx:algorithm": {"@id": "spdx:checksumAlgorithm_sha256"},
            "spdx:checksumValue": resource["sha256"],
        },
        **({"dct:license": licence} if licence else {}),
    }


def dataset_jsonld(body: dict[str, Any]) -> dict[str, Any]:
    """A dcat:Dataset from :func:`dataset_json`'s output (so both views say the same)."""
    licence_uri = LICENCE_URIS.get(body["licence"])
    licence = {"@id": licence_uri} if licence_uri else None
    org = body["organisation"]
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "@id": body["links"]["html"],
        "@type": "dcat:Dataset",
        "dct:identifier": body["id"],
        "dct:title": _texts(body["title"]),
        "dct:description": _texts(body["description"]),
        "dcat:keyword": [{"@value": tag, "@language": "ja"} for tag in body["tags"]],
        "dct:publisher": {
            "@id": url_for("catalogue.organisation", org_id=org["id"], _external=True),
            "@type": "foaf:Organization",
            "foaf:name": _texts(org["title"]),
        },
        "dct:issued": _time(body["created"]),
        "dct:modified": _time(body["modified"]),
        "dcat:landingPage": {"@id": body["links"]["html"]},
        "dct:conformsTo": {"@id": body["standard"]["id"], "dct:title": body["standard"]["title"]},
        "dcat:distribution": [_distribution(r, licence) for r in body["resources"]],
    }
    if licence:
        doc["dct:license"] = licence
    if body["update_frequency"] in FREQUENCIES:
        doc["dct:accrualPeriodicity"] = {"@id": FREQUENCIES[body["update_frequency"]]}
    spatial = _spatial(body["spatial"])
    if spatial:
        doc["dct:spatial"] = spatial
    if body["data_as_of"]:  # the data describe the state up to that day (データ時点)
        doc["dct:temporal"] = {
            "@type": "dct:PeriodOfTime",
            "dcat:endDate": {"@value": body["data_as_of"], "@type": "xsd:date"},
        }
    if body["contact"]:
        doc["dcat:contactPoint"] = _contact_point(body["contact"])
    return doc


def _contact_point(contact: dict[str, Any]) -> dict[str, Any]:
    """問い合わせ先 as a vCard (DCAT-AP's dcat:contactPoint)."""
    from tsunagu.normalize.phone import tel_uri

    point: dict[str, Any] = {"@type": "vcard:Organization", "vcard:fn": _texts(contact["name"])}
    if contact["email"]:
        point["vcard:hasEmail"] = {"@id": f"mailto:{contact['email']}"}
    tel = tel_uri(contact["phone"]) if contact["phone"] else None
    if tel:
        point["vcard:hasTelephone"] = {"@id": tel}
    if contact["url"]:
        point["vcard:hasURL"] = {"@id": contact["url"]}
    return point


def _page_url(offset: int, limit: int) -> str:
    args = {k: v for k, v in request.args.items() if k not in ("offset", "limit")}
    args.update(limit=str(limit), offset=str(offset))
    return f"{site()}{request.path}?{urlencode(args)}"


def _last_modified(response: Response, *stamps: str) -> Response:
    times = [t for t in (parse_time(s) for s in stamps) if t is not None]
    if times:
        response.last_modified = max(times)
    return response


@bp.get("/datasets")
def datasets() -> Response:
    limit = query_int(request.args, "limit", DEFAULT_LIMIT, 0, MAX_LIMIT) or 0
    offset = query_int(request.args, "offset", 0, 0, MAX_INTEGER) or 0
    q = query_text(request.args, "q")
    filters = {name: request.args[name] for name in FILTERS if request.args.get(name)}
    page = web().catalogue.search(q, filters, start=offset, rows=limit)
    more = limit > 0 and offset + limit < page.count
    following = _page_url(offset + limit, limit) if more else None
    previous = _page_url(max(0, offset - limit), limit) if offset > 0 else None
    results = [dataset_json(r) for r in page.results]
    body = {
        "count": page.count,
        "limit": limit,
        "offset": offset,
        "next": following,
        "previous": previous,
        "results": results,
        "facets": page.facets,
    }
    response = _negotiated(body, lambda: catalog_jsonld(results))
    links = [f'<{u}>; rel="{rel}"' for rel, u in (("next", following), ("prev", previous)) if u]
    if links:
        response.headers["Link"] = ", ".join(links)
    return _last_modified(response, *(r.modified for r in page.results))


def _wants_jsonld() -> bool:
    """``?format=jsonld``, or an Accept header that prefers JSON-LD over plain JSON."""
    if request.args.get("format") in ("jsonld", "json-ld"):
        return True
    return request.accept_mimetypes.best_match(["application/json", JSONLD]) == JSONLD


def catalog_jsonld(results: list[dict[str, Any]]) -> dict[str, Any]:
    """This page of the catalogue as a dcat:Catalog (paging stays in the ``Link`` header)."""
    datasets = [{k: v for k, v in dataset_jsonld(r).items() if k != "@context"} for r in results]
    return {
        "@context": CONTEXT,
        "@id": url_for("catalogue.datasets", _external=True),
        "@type": "dcat:Catalog",
        "dct:title": web().settings.site_title,
        "dcat:dataset": datasets,
    }


def _negotiated(body: dict[str, Any], as_jsonld: Callable[[], dict[str, Any]]) -> Response:
    linked = _wants_jsonld()
    response = jsonify(as_jsonld() if linked else body)
    if linked:
        response.mimetype = JSONLD
    response.vary.add("Accept")
    return response


@bp.get("/datasets/<dataset_id>")
def dataset(dataset_id: str) -> Response:
    record = web().catalogue.get_dataset(dataset_id)
    if record.private:  # only the publisher sees it, as on the catalogue pages
        raise DatasetNotFound(f"dataset {dataset_id!r} not found")
    body = dataset_json(record)
    response = _negotiated(body, lambda: dataset_jsonld(body))
    return _last_modified(response, record.modified)
