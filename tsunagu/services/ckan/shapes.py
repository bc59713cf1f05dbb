"""Catalogue records → the dicts CKAN 2.12 returns (package, resource, tag, organization).

The native fields and extras come from :func:`~tsunagu.catalogue.ckan_mapping.package_fields`,
the function the CKAN publisher writes with, so both catalogues show the same values. Keys that
only a real CKAN can fill (users, caches, vocabularies) are present with CKAN's empty values, so
a client reading them finds what it expects; ids are the stable slugs of the embedded catalogue.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from tsunagu.catalogue.base import DatasetRecord, ResourceRecord, VersionRecord, is_tabular
from tsunagu.catalogue.ckan_mapping import package_fields

# CKAN's default licence register (``license_list`` of CKAN 2.12), for the ids Tsunagu maps to.
LICENCES = {
    "cc-by": ("Creative Commons Attribution", "http://www.opendefinition.org/licenses/cc-by"),
    "cc-zero": ("Creative Commons CCZero", "http://www.opendefinition.org/licenses/cc-zero"),
    "cc-by-sa": (
        "Creative Commons Attribution Share-Alike",
        "http://www.opendefinition.org/licenses/cc-by-sa",
    ),
    "odc-by": (
        "Open Data Commons Attribution License",
        "http://www.opendefinition.org/licenses/odc-by",
    ),
    "odc-pddl": (
        "Open Data Commons Public Domain Dedication and License (PDDL)",
        "http://www.opendefinition.org/licenses/odc-pddl",
    ),
}
_TAG_IDS = uuid.UUID("6f1d7c2e-2f57-4d0e-9a55-7473756e6167")  # namespace for stable tag ids


def ckan_time(value: str) -> str | None:
    """CKAN's timestamp form: naive UTC with microseconds (``2026-11-24T20:32:38.953382``)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed.strftime("%Y-%m-%dT%H:%M:%S.%f")


def absolute(base_url: str, url: str) -> str:
    """Catalogue URLs are site-relative (``/datasets/…``) for the embedded catalogue."""
    return base_url.rstrip("/") + url if url.startswith("/") else url


def resource_times(key: str, sha256: str, versions: list[VersionRecord]) -> tuple[str, str]:
    """When the resource first appeared, and when its current content was published.

    Read from the version history (newest first): the file is unchanged back to the oldest
    version with the same checksum, and present back to the oldest version of its unbroken run.
    """
    created = modified = ""
    same_content = True
    for version in versions:
        checksum = version.checksums.get(key)
        if checksum is None:
            break
        created = version.created
        if same_content and checksum == sha256:
            modified = version.created
        else:
            same_content = False
    return created, modified or created


def resource_dict(
    resource: ResourceRecord,
    position: int,
    package_id: str,
    versions: list[VersionRecord],
    base_url: str,
) -> dict[str, Any]:
    created, modified = resource_times(resource.key, resource.sha256, versions)
    return {
        "cache_last_updated": None,
        "cache_url": None,
        "created": ckan_time(created),
        # CKAN's DataStore plugin sets this on every resource; ours serves every tabular one
        # through datastore_search (from the rows store), as a CKAN publish by Tsunagu fills it
        "datastore_active": is_tabular(resource),
        "description": "",
        "format": resource.format,
        "hash": resource.sha256,
        "id": resource.id,
        "last_modified": ckan_time(modified),
        "metadata_modified": ckan_time(modified),
        "mimetype": resource.mediatype,
        "mimetype_inner": None,
        "name": resource.name,
        "package_id": package_id,
        "position": position,
        "resource_type": None,
        "size": resource.size,
        "state": "active",
        "tsunagu_key": resource.key,
        "url": absolute(base_url, resource.url),
        "url_type": "upload",
    }


def tag_dict(name: str) -> dict[str, Any]:
    return {
        "display_name": name,
        "id": str(uuid.uuid5(_TAG_IDS, name)),
        "name": name,
        "state": "active",
        "vocabulary_id": None,
    }


def organization_dict(record: DatasetRecord, created: str) -> dict[str, Any]:
    """As CKAN nests it in a package; ``description`` is what the CKAN publisher writes."""
    meta = record.meta
    return {
        "id": meta.organisation,
        "name": meta.organisation,
        "title": meta.organisation_title_ja,
        "type": "organization",
        "description": meta.organisation_title_en,
        "image_url": "",
        "created": ckan_time(created),
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
    }


def package_dict(
    record: DatasetRecord, versions: list[VersionRecord], base_url: str
) -> dict[str, Any]:
    fields = package_fields(record.meta)
    licence_title, licence_url = LICENCES.get(fields["license_id"], (fields["license_id"], ""))
    name = fields["name"]
    tags = sorted(tag["name"] for tag in fields["tags"])
    first = versions[-1].created if versions else record.created
    return {
        "author": None,
        "author_email": None,
        "creator_user_id": None,
        "id": name,
        "isopen": fields["license_id"] in LICENCES,
        "license_id": fields["license_id"],
        "license_title": licence_title,
        "license_url": licence_url,
        "maintainer": fields.get("maintainer"),
        "maintainer_email": fields.get("maintainer_email"),
        "metadata_created": ckan_time(record.created),
        "metadata_modified": ckan_time(record.modified),
        "name": name,
        "notes": fields["notes"],
        "num_resources": len(record.resources),
        "num_tags": len(tags),
        "organization": organization_dict(record, first),
        "owner_org": fields["owner_org"],
        "private": record.private,
        "state": "active",
        "title": fields["title"],
        "type": "dataset",
        "url": None,
        "version": None,
        "extras": fields["extras"],
        "resources": [
            resource_dict(res, i, name, versions, base_url)
            for i, res in enumerate(record.resources)
        ],
        "tags": [tag_dict(tag) for tag in tags],
        "groups": [],
        "relationships_as_subject": [],
        "relationships_as_object": [],
    }


def organizations(records: list[DatasetRecord]) -> list[dict[str, Any]]:
    """``organization_list(all_fields=True)`` items, derived from the published datasets.

    An organisation is created by the first publish of one of its datasets, so the earliest
    dataset ``created`` is its creation time.
    """
    by_name: dict[str, dict[str, Any]] = {}
    for record in sorted(records, key=lambda r: r.created):
        meta = record.meta
        if meta.organisation in by_name:
            by_name[meta.organisation]["package_count"] += 1
            continue
        base = organization_dict(record, record.created)
        by_name[meta.organisation] = {
            "approval_status": "approved",
            "created": base["created"],
            "description": base["description"],
            "display_name": base["title"],
            "id": base["id"],
            "image_display_url": "",
            "image_url": "",
            "is_organization": True,
            "name": base["name"],
            "num_followers": 0,
            "package_count": 1,
            "state": "active",
            "title": base["title"],
            "type": "organization",
        }
    return list(by_name.values())
