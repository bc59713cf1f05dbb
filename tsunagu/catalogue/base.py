"""The one Catalogue interface (house style §3.2 b) and the records it speaks in.

The publisher writes through it, the web app and the APIs read through it, and two
implementations stand behind it: :class:`~tsunagu.catalogue.local.LocalCatalogue` (embedded,
SQLAlchemy) and :class:`~tsunagu.catalogue.ckan.CkanCatalogue` (ckanapi). One contract test
suite runs against both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

Action = Literal["create", "update", "unchanged", "remove"]
#: The kinds of dataset (issue 15): the catalogue's 種類 facet, on either catalogue.
KINDS = ("standard", "own-schema", "documents")


@dataclass(frozen=True)
class ResourceFile:
    """A file to publish. ``key`` is its stable identity inside the dataset (from the manifest:
    source key + kind, e.g. ``csv``, ``geojson``, ``part2-csv``), so its id and URL survive
    updates."""

    key: str
    path: Path
    name: str
    format: str
    mediatype: str
    sha256: str
    size: int
    description: str = ""
    #: The Frictionless Table Schema of a tabular file (fields and primaryKey), when known: the
    #: CKAN DataStore takes its column types and key from it. Not part of identity.
    table_schema: dict[str, Any] | None = field(default=None, compare=False, hash=False)


@dataclass(frozen=True)
class DatasetMeta:
    """Catalogue metadata of a dataset, mapped to CKAN fields by the CKAN implementation."""

    id: str
    title_ja: str
    title_en: str
    description_ja: str
    description_en: str
    organisation: str
    organisation_title_ja: str
    organisation_title_en: str
    standard: str
    standard_title: str
    licence: str
    update_frequency: str
    tags: tuple[str, ...] = ()
    municipality_code: str = ""
    municipality_name: str = ""
    spatial: dict[str, Any] | None = None  # GeoJSON Polygon of the extent
    valid: bool = True
    kind: str = "standard"  # "standard" | "own-schema" | "documents" (issue 15's facet)
    data_as_of: str = ""  # 「データ時点」: ISO day the data describes (not when it was published)
    #: 問い合わせ先: name_ja, name_en, phone, email, url (see :class:`tsunagu.manifest.Contact`)
    contact: dict[str, str] | None = None

    def fingerprint(self) -> dict[str, Any]:
        """What counts as a metadata change (everything the catalogue shows)."""
        # Fields added later count only where they say more than their default, so datasets
        # published before they existed keep their fingerprint (no spurious update on CKAN).
        return {
            k: (list(v) if isinstance(v, tuple) else v)
            for k, v in self.__dict__.items()
            if not (k in _LATER_DEFAULTS and v == _LATER_DEFAULTS[k])
        }


_LATER_DEFAULTS: dict[str, Any] = {"kind": "standard", "data_as_of": "", "contact": None}


@dataclass(frozen=True)
class PublishRequest:
    meta: DatasetMeta
    resources: tuple[ResourceFile, ...]
    report: dict[str, Any] = field(default_factory=dict)
    actor: str = "cli"


@dataclass(frozen=True)
class ResourceChange:
    key: str
    action: Action
    old_sha256: str | None = None
    new_sha256: str | None = None


@dataclass(frozen=True)
class PublishResult:
    """What a publish did (or, with ``dry_run``, would do)."""

    dataset_id: str
    action: Action
    resources: tuple[ResourceChange, ...]
    metadata_changed: bool
    uploads: int
    version: int | None = None
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return self.action != "unchanged"


@dataclass(frozen=True)
class ResourceRecord:
    id: str
    key: str
    name: str
    format: str
    mediatype: str
    sha256: str
    size: int
    url: str


@dataclass(frozen=True)
class DatasetRecord:
    meta: DatasetMeta
    resources: tuple[ResourceRecord, ...]
    created: str
    modified: str
    version: int | None = None
    private: bool = False


@dataclass(frozen=True)
class VersionRecord:
    number: int
    created: str
    actor: str
    checksums: dict[str, str]
    report_summary: dict[str, Any]


@dataclass(frozen=True)
class SearchPage:
    results: tuple[DatasetRecord, ...]
    count: int
    facets: dict[str, dict[str, int]]


def is_tabular(resource: ResourceRecord | ResourceFile) -> bool:
    """A CSV resource: the kind the rows store serves and the CKAN DataStore holds.

    One rule for both sides, so the ``datastore_active`` a client reads from Tsunagu's
    CKAN-compatible API means the same as the one a real CKAN sets after our publish.
    """
    return resource.format.upper() == "CSV"


class FileSource(Protocol):
    """Capability: hand out a published file as a local path (the APIs that load files need it).

    The local catalogue returns its stored blob; CKAN downloads the resource once into a cache
    keyed by its sha256, so a changed resource is fetched again and an unchanged one never is.
    ``info`` carries ``sha256``, ``size``, ``name``, ``format`` and ``mediatype``.
    """

    def open_file(
        self, dataset_id: str, key: str, version: int | None = None
    ) -> tuple[Path, dict[str, Any]]: ...


class Releasable(Protocol):
    """Capability: drop open connections (a database pool, an HTTP session) before a fork, since
    a connection must not be shared by two processes."""

    def release_connections(self) -> None: ...


class Catalogue(FileSource, Releasable, Protocol):
    """Publishing target and read model. Every write is idempotent and all-or-nothing."""

    name: str

    def check(self) -> None:
        """Fail (PermissionDenied, CatalogueUnavailable) before any work if we cannot write."""

    def publish(self, request: PublishRequest, *, dry_run: bool = False) -> PublishResult: ...

    def get_dataset(self, dataset_id: str) -> DatasetRecord: ...

    def search(
        self,
        q: str = "",
        filters: dict[str, str] | None = None,
        *,
        start: int = 0,
        rows: int = 20,
    ) -> SearchPage: ...

    def list_versions(self, dataset_id: str) -> list[VersionRecord]: ...

    def versions_of(self, dataset_ids: list[str]) -> dict[str, list[VersionRecord]]:
        """``list_versions`` of many datasets at once (a listing must not cost one query per
        dataset); a dataset without versions maps to an empty list."""
        ...

    def delete_dataset(self, dataset_id: str, *, actor: str = "cli") -> None: ...

    def resource_url(self, dataset_id: str, key: str, version: int | None = None) -> str: ...


def resource_diff(current: dict[str, str], wanted: dict[str, str]) -> tuple[ResourceChange, ...]:
    """Compare ``key → sha256`` maps: create, update, unchanged, remove (stable order)."""
    changes = []
    for key, sha in wanted.items():
        old = current.get(key)
        action: Action = "create" if old is None else ("unchanged" if old == sha else "update")
        changes.append(ResourceChange(key, action, old, sha))
    changes.extend(
        ResourceChange(k, "remove", s, None) for k, s in current.items() if k not in wanted
    )
    return tuple(changes)
