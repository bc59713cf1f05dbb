"""DatasetMeta ↔ CKAN package fields (no network here, so the mapping is tested alone).

Everything CKAN shows natively goes into its own fields (title, notes, license_id, tags,
owner_org); the rest into extras, including ``spatial`` as GeoJSON so that spatial search works
without anyone drawing a box, and the whole metadata as ``tsunagu_meta`` so a read gives back
exactly what was published.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from tsunagu.catalogue.base import KINDS, DatasetMeta, ResourceFile, ResourceRecord

LICENCE_IDS = {
    "CC-BY-4.0": "cc-by",
    "CC0-1.0": "cc-zero",
    "CC-BY-SA-4.0": "cc-by-sa",
    "ODC-BY-1.0": "odc-by",
    "PDDL-1.0": "odc-pddl",
}
STAGING_KEY = "tsunagu_staging"
_TAG = re.compile(r"[\w \-.]{2,100}")  # CKAN tag_name_validator + length
EXTRA_KEYS = (
    "title_en",
    "description_en",
    "standard",
    "standard_title",
    "update_frequency",
    "municipality_code",
    "municipality_name",
    "kind",  # standard / own-schema / documents: CKAN users and our 種類 facet filter on it
)


def meta_digest(meta: DatasetMeta) -> str:
    return hashlib.sha256(json.dumps(meta.fingerprint(), sort_keys=True).encode()).hexdigest()


def package_fields(meta: DatasetMeta, *, staging: bool = False) -> dict[str, Any]:
    """The package dict to create or patch (without resources).

    ``staging`` marks a dataset created private and still being filled: a publish that finds
    the mark resumes the creation instead of treating the half-filled dataset as published,
    and the final patch (without the mark) makes it public in the same call.
    """
    extras = {key: str(getattr(meta, key)) for key in EXTRA_KEYS}
    if staging:
        extras[STAGING_KEY] = "1"
    if meta.spatial:
        extras["spatial"] = json.dumps(meta.spatial)
    if meta.data_as_of:
        extras["data_as_of"] = meta.data_as_of
    contact = meta.contact or {}
    for key in ("phone", "url"):  # CKAN's maintainer fields hold the name and e-mail
        if contact.get(key):
            extras[f"contact_{key}"] = contact[key]
    extras["tsunagu_meta"] = json.dumps(meta.fingerprint(), ensure_ascii=False, sort_keys=True)
    extras["tsunagu_meta_sha256"] = meta_digest(meta)
    notes = meta.description_ja
    if meta.description_en and meta.description_en != meta.description_ja:
        notes = f"{notes}\n\n---\n\n{meta.description_en}"
    native: dict[str, Any] = {}
    if contact:
        native = {"maintainer": contact["name_ja"], "maintainer_email": contact["email"] or None}
    return {
        **native,
        "name": meta.id,
        "title": meta.title_ja,
        "notes": notes,
        "owner_org": meta.organisation,
        "license_id": LICENCE_IDS.get(meta.licence, meta.licence),
        "tags": [{"name": tag} for tag in meta.tags if _TAG.fullmatch(tag)],
        "extras": [{"key": k, "value": v} for k, v in sorted(extras.items())],
    }


def extras_of(package: dict[str, Any]) -> dict[str, str]:
    return {e["key"]: e["value"] for e in package.get("extras") or []}


def is_staging(package: dict[str, Any]) -> bool:
    """Created by Tsunagu and not yet made public (a publish that did not finish)."""
    return bool(package.get("private")) and extras_of(package).get(STAGING_KEY) == "1"


def meta_from_package(package: dict[str, Any]) -> DatasetMeta:
    """Read back what Tsunagu published; a package made by hand is described as well as CKAN can."""
    extras = extras_of(package)
    if "tsunagu_meta" in extras:
        data = json.loads(extras["tsunagu_meta"])
        data["tags"] = tuple(data.get("tags") or ())
        return DatasetMeta(**data)
    org = package.get("organization") or {}
    return DatasetMeta(
        id=package["name"],
        title_ja=package.get("title") or package["name"],
        title_en=extras.get("title_en", ""),
        description_ja=package.get("notes") or "",
        description_en=extras.get("description_en", ""),
        organisation=org.get("name", ""),
        organisation_title_ja=org.get("title", ""),
        organisation_title_en=org.get("title", ""),
        standard=extras.get("standard", ""),
        standard_title=extras.get("standard_title", ""),
        kind=kind_of(extras),
        licence=package.get("license_id") or "",
        update_frequency=extras.get("update_frequency", ""),
        tags=tuple(t["name"] for t in package.get("tags") or []),
        spatial=json.loads(extras["spatial"]) if extras.get("spatial") else None,
        data_as_of=extras.get("data_as_of", ""),
    )


def kind_of(extras: dict[str, str]) -> str:
    """The kind a package says, or what it must be: packages published before the ``kind``
    extra existed, and packages made by hand, are standard if they name a standard, else plain
    resources (documents)."""
    kind = extras.get("kind", "")
    if kind in KINDS:
        return kind
    return "standard" if extras.get("standard") else "documents"


def solr_phrase(value: str) -> str:
    """A filter value as a quoted Solr phrase: a ``"`` or ``\\`` in a visitor's query string
    must not end the phrase and smuggle in a clause of its own."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def kind_filter(kind: str) -> str:
    """The ``fq`` clause for one kind, agreeing with :func:`kind_of` on packages without the
    extra (CKAN indexes extras as tokenised text, so the facet is counted per clause, not read
    from a facet field: ``own-schema`` would come back as ``own`` and ``schema``)."""
    clause = f"extras_kind:{solr_phrase(kind)}"
    if kind == "standard":
        return f"({clause} OR (+extras_standard:[* TO *] -extras_kind:[* TO *]))"
    if kind == "documents":
        return f"({clause} OR (*:* -extras_standard:[* TO *] -extras_kind:[* TO *]))"
    return clause


def resource_fields(res: ResourceFile) -> dict[str, Any]:
    """A resource's CKAN fields. A table carries its Table Schema as the ``schema`` field (JSON
    text, as ckanext-validation and the Data Package convention read it), so a dataset with its
    own schema keeps its contract on CKAN too, not only in the datapackage.json resource."""
    fields: dict[str, Any] = {
        "name": res.name,
        "format": res.format,
        "mimetype": res.mediatype,
        "hash": res.sha256,
        "size": res.size,
        "tsunagu_key": res.key,
        "description": res.description,
    }
    if res.table_schema:
        fields["schema"] = json.dumps(res.table_schema, ensure_ascii=False, sort_keys=True)
    return fields


def resource_record(resource: dict[str, Any]) -> ResourceRecord:
    return ResourceRecord(
        id=resource["id"],
        key=resource.get("tsunagu_key") or resource["id"],
        name=resource.get("name") or "",
        format=resource.get("format") or "",
        mediatype=resource.get("mimetype") or "",
        sha256=resource.get("hash") or "",
        size=int(resource.get("size") or 0),
        url=resource.get("url") or "",
    )
