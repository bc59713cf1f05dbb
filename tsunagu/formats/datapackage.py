"""``datapackage.json``: one Frictionless Data Package describing every published file.

Why a Data Package: it carries, next to the files, what a re-user needs to trust them: the
standard's Table Schema (so the CSV validates anywhere with ``frictionless validate``), the
licence, the department's original file and its sha256, and bytes + sha256 of every published
file (Frictionless checks both on validate, so a truncated download is caught).

Paths are relative to the package directory: Frictionless refuses absolute and ``..`` paths in
its default (untrusted) mode, and a package that can be moved as a folder is what we publish.
Custom members (``x-municipality``, ``x-standard``, ``x-department``, ``x-contact``,
``x-data-as-of``) follow the Data Package rule that unknown properties are allowed; the ``x-``
prefix keeps them apart from future spec names.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from tsunagu.errors import PublishError

if TYPE_CHECKING:
    from tsunagu.config import Settings
    from tsunagu.model import Draft
    from tsunagu.standards import StandardSchema

PACKAGE_NAME = "datapackage.json"
STANDARD_FAMILY = "自治体標準オープンデータセット"
DEFAULT_LICENCE = "CC-BY-4.0"  # the manifest's default (README "Dataset manifests")
STANDARD_CSV_KEY = "csv"  # the artifact written by StandardCsvWriter carries the schema
LICENCES = {
    "CC-BY-4.0": (
        "https://creativecommons.org/licenses/by/4.0/",
        "Creative Commons Attribution 4.0 International",
    ),
    "CC0-1.0": ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0 1.0 Universal"),
    "CC-BY-SA-4.0": (
        "https://creativecommons.org/licenses/by-sa/4.0/",
        "Creative Commons Attribution-ShareAlike 4.0 International",
    ),
    "ODC-BY-1.0": ("https://opendatacommons.org/licenses/by/1-0/", "ODC Attribution License 1.0"),
    "PDDL-1.0": ("https://opendatacommons.org/licenses/pddl/1-0/", "ODC Public Domain Dedication"),
}
#: suffix → (format, media type) of non-tabular resources.
FILE_FORMATS = {
    ".geojson": ("geojson", "application/geo+json"),
    ".gpkg": ("gpkg", "application/geopackage+sqlite3"),
    ".json": ("json", "application/json"),
    ".xlsx": (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}
_NAME_BAD = re.compile(r"[^a-z0-9._-]+")
_CHUNK = 1 << 20


def file_hash(path: Path) -> str:
    """``sha256:<hex>``, the form Frictionless v5 checks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    return f"sha256:{digest.hexdigest()}"


def resource_name(key: str) -> str:
    """A Data Package resource name (lowercase, ``a-z0-9._-``) from an artifact key."""
    return _NAME_BAD.sub("-", key.lower()).strip("-") or "resource"


def _relative(path: Path, out_dir: Path) -> str:
    try:
        return path.resolve().relative_to(out_dir.resolve()).as_posix()
    except ValueError as exc:
        raise PublishError(
            f"artifact {path} is not inside the package directory {out_dir}",
            message_ja=f"出力ファイル {path.name} がパッケージのフォルダの外にあります",
            code="datapackage-artifact-outside",
        ) from exc


def _csv_resource(path: Path, is_standard: bool, schema: StandardSchema | None) -> dict[str, Any]:
    with path.open("rb") as fh:
        has_bom = fh.read(3) == b"\xef\xbb\xbf"
    resource: dict[str, Any] = {
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8-sig" if has_bom else "utf-8",
    }
    if is_standard and schema is not None:
        resource["schema"] = schema.frictionless_descriptor()
    elif not is_standard:
        resource["description"] = "Excel 向け（BOM 付き UTF-8、数式無効化済み）/ for Excel"
    return resource


def describe_resource(
    key: str, path: Path, out_dir: Path, schema: StandardSchema | None
) -> dict[str, Any]:
    """One resource entry: name, relative path, format, media type, bytes and sha256."""
    entry: dict[str, Any] = {"name": resource_name(key), "path": _relative(path, out_dir)}
    suffix = path.suffix.lower()
    if suffix == ".csv":
        entry.update(_csv_resource(path, key == STANDARD_CSV_KEY, schema))
    elif suffix in FILE_FORMATS:
        entry["format"], entry["mediatype"] = FILE_FORMATS[suffix]
        if suffix in (".geojson", ".json"):
            entry["encoding"] = "utf-8"
    entry["bytes"] = path.stat().st_size
    entry["hash"] = file_hash(path)
    return entry


def _licence(code: str) -> dict[str, str]:
    url, title = LICENCES.get(code, ("", code))
    entry = {"name": code, "title": title}
    if url:
        entry["path"] = url
    return entry


def _standard_source(schema: StandardSchema) -> dict[str, Any]:
    meta = schema.descriptor.get("x-standard") or {}
    family = meta.get("family") or STANDARD_FAMILY
    publisher = "デジタル庁 " if family == STANDARD_FAMILY else ""  # the 2020 layouts were CIO's
    title = f"{publisher}{family}「{schema.title_ja}」"
    if schema.version:
        title += f" {schema.version}"
    source: dict[str, Any] = {"title": title}
    if meta.get("source_url"):
        source["path"] = meta["source_url"]
    return source


def _municipality(draft: Draft, settings: Settings) -> dict[str, str]:
    known = getattr(draft.manifest, "municipality", None)
    if known is not None:
        return {"code": known.code, "name": known.name}
    if "municipality" in draft.report.facts:  # resolved by the pipeline; None = not known
        resolved = draft.report.facts["municipality"] or {}
        return {"code": resolved.get("code", ""), "name": resolved.get("name", "")}
    return {"code": settings.municipality_code, "name": settings.municipality_name}


def _from_manifest(manifest: Any) -> dict[str, Any]:
    return {
        "name": manifest.id,
        "title": manifest.title.ja,
        "description": manifest.description.ja,
        "x-en": {"title": manifest.title.en, "description": manifest.description.en},
        "licenses": [_licence(manifest.licence)],
        "keywords": list(manifest.tags),
        "x-department": {
            "id": manifest.department.slug,
            "name": manifest.department.name.ja,
            "name_en": manifest.department.name.en,
        },
    }


def _data_as_of(draft: Draft) -> str:
    """「データ時点」 of this file, as the normalize step read it (the manifest's ``data_as_of:``,
    else its title row's day); "" if neither says."""
    return str(draft.report.facts.get("data_as_of") or "")


def _from_file(draft: Draft) -> dict[str, Any]:
    """A single file converted without a manifest: named after the file, under the manifest's
    default licence (CC-BY-4.0); no department is claimed."""
    stem = draft.source.path.stem
    name = re.sub(r"[^a-z0-9._-]+", "-", stem.lower()).strip("-._") or "dataset"
    return {
        "name": name,
        "title": stem,
        "licenses": [_licence(DEFAULT_LICENCE)],
    }


def build_descriptor(
    draft: Draft,
    out_dir: Path,
    settings: Settings,
    schema: StandardSchema | None,
    created: datetime,
) -> dict[str, Any]:
    """The package descriptor for ``draft`` (pure apart from hashing the files)."""
    manifest = draft.manifest
    resources = [
        describe_resource(key, path, out_dir, schema)
        for key, path in draft.artifacts.items()
        if path.name != PACKAGE_NAME
    ]
    original: dict[str, Any] = {"title": draft.source.name}
    if draft.source.sha256:
        original["x-sha256"] = draft.source.sha256
    sources = [original]
    own = schema is not None and getattr(manifest, "own_schema", None) is not None
    if schema is not None and not own:
        sources.append(_standard_source(schema))
    descriptor: dict[str, Any] = {
        **(_from_manifest(manifest) if manifest is not None else _from_file(draft)),
        "sources": sources,
        "created": created.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "x-municipality": _municipality(draft, settings),
        "resources": resources,
    }
    as_of = _data_as_of(draft)
    if as_of:
        descriptor["x-data-as-of"] = as_of
    contact = getattr(manifest, "contact", None)
    if contact is not None:
        descriptor["x-contact"] = contact.to_dict()
    if own and schema is not None:  # the department's own contract: no standard is claimed
        descriptor["x-own-schema"] = {"title": {"ja": schema.title_ja, "en": schema.title_en}}
    elif schema is not None:
        descriptor["x-standard"] = {
            "slug": schema.slug,
            "version": schema.version,
            "title": {"ja": schema.title_ja, "en": schema.title_en},
        }
    return descriptor


def unchanged_created(path: Path, descriptor: dict[str, Any]) -> str | None:
    """The ``created`` of the package already at ``path`` if all else is identical.

    Publishing is idempotent (the catalogue compares sha256 per file): republishing the same
    data must give a byte-identical datapackage.json, so a new timestamp alone is no change.
    """
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(previous, dict) or not isinstance(previous.get("created"), str):
        return None
    same = {k: v for k, v in previous.items() if k != "created"} == {
        k: v for k, v in descriptor.items() if k != "created"
    }
    return previous["created"] if same else None


def _registry_schema(settings: Settings, slug: str, manifest: Any = None) -> StandardSchema:
    from tsunagu.standards import load_registry, registry_for

    return registry_for(load_registry(settings.schemas_dir), manifest).get(slug)


class DataPackageWriter:
    """Writes ``datapackage.json`` describing ``draft.artifacts``; run it after the others."""

    name: ClassVar[str] = "datapackage"

    def __init__(self, now: Callable[[], datetime] | None = None) -> None:
        self._now = now or (lambda: datetime.now(UTC))

    def write(self, draft: Draft, out_dir: Path, settings: Settings, *, stem: str) -> Path:
        schema = _registry_schema(settings, draft.schema, draft.manifest) if draft.schema else None
        if schema is not None:  # the department's own columns are published after the standard's
            schema = schema.with_fields(draft.report.facts.get("extra_columns"))
        descriptor = build_descriptor(draft, out_dir, settings, schema, self._now())
        path = out_dir / PACKAGE_NAME
        descriptor["created"] = unchanged_created(path, descriptor) or descriptor["created"]
        out_dir.mkdir(parents=True, exist_ok=True)
        text = json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"
        path.write_text(text, encoding="utf-8")
        return path
