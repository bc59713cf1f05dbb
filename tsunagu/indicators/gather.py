"""Gather the recorded facts the indicators are computed from (catalogue, audit log, counters).

Shared by the CLI (``tsunagu report``), the web app's dashboard and the indicator dataset's
publisher, so all three read exactly the same facts.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from tsunagu.catalogue import local_schema as t
from tsunagu.catalogue.base import VersionRecord
from tsunagu.catalogue.usage import UsageStore
from tsunagu.config import Settings
from tsunagu.errors import DatasetNotFound
from tsunagu.indicators.compute import Facts, Standard
from tsunagu.publisher.audit import AuditLog

PAGE = 1000  # CKAN's default ``ckan.search.rows_max``: ask for no more per search


def audit_path(settings: Settings) -> Path:
    return settings.data_dir / "audit.jsonl"


def standards(settings: Settings) -> tuple[Standard, ...]:
    """The 自治体標準オープンデータセット known to Tsunagu (current layout), in registry order."""
    from tsunagu.standards import load_registry

    return tuple(
        Standard(s.slug, s.title_ja, s.title_en)
        for s in load_registry(settings.schemas_dir).current()
    )


def usage_store(settings: Settings, catalogue: Any = None) -> UsageStore:
    """The counters live in the catalogue's database (the embedded catalogue's engine when it
    is the local one; otherwise the ``database_url`` database under the data dir)."""
    from tsunagu.catalogue.local import LocalCatalogue

    if isinstance(catalogue, LocalCatalogue):  # declared by its class, not probed
        return UsageStore(catalogue.engine)
    return UsageStore.from_url(settings.database)


def every_dataset(catalogue: Any) -> list[Any]:
    """Every public dataset, page by page (a CKAN search answers at most ``PAGE`` at once)."""
    records: list[Any] = []
    while True:
        page = catalogue.search("", start=len(records), rows=PAGE)
        records.extend(page.results)
        if not page.results or len(records) >= page.count:
            return records


def _versions_one_by_one(catalogue: Any, records: list[Any]) -> dict[str, list[VersionRecord]]:
    versions = {}
    for record in records:
        try:
            versions[record.meta.id] = catalogue.list_versions(record.meta.id)
        except DatasetNotFound:  # removed between the search and this call
            versions[record.meta.id] = []
    return versions


def _local_versions(engine: Engine) -> dict[str, list[VersionRecord]]:
    """Every version of every dataset in one query, newest first (the indicators need only
    number, date and actor; checksums and report summaries are left empty)."""
    v = t.versions.c
    query = select(v.dataset_id, v.number, v.created, v.actor).order_by(
        v.dataset_id, v.number.desc()
    )
    out: dict[str, list[VersionRecord]] = defaultdict(list)
    with engine.connect() as conn:
        for row in conn.execute(query):
            out[row.dataset_id].append(VersionRecord(row.number, row.created, row.actor, {}, {}))
    return out


#: the local catalogue's datasets and versions as last read, with the state they were read at
_SNAPSHOTS: WeakKeyDictionary[Any, tuple[tuple[Any, ...], list[Any], dict]] = WeakKeyDictionary()


def catalogue_state(catalogue: Any) -> tuple[list[Any], dict[str, list[VersionRecord]]]:
    """Every dataset and its versions. The embedded catalogue is re-read only when it changed
    (dataset count, latest modification, latest version: one cheap query), so the dashboard
    and each department page do not read every dataset on every request."""
    from tsunagu.catalogue.local import LocalCatalogue

    if not isinstance(catalogue, LocalCatalogue):
        records = every_dataset(catalogue)
        return records, _versions_one_by_one(catalogue, records)
    engine = catalogue.engine
    with engine.connect() as conn:
        state = (
            *conn.execute(select(func.count(), func.max(t.datasets.c.modified))).one(),
            conn.execute(select(func.max(t.versions.c.id))).scalar(),
        )
    cached = _SNAPSHOTS.get(catalogue)
    if cached is not None and cached[0] == state:
        return cached[1], cached[2]
    records = every_dataset(catalogue)
    versions = _local_versions(engine)
    _SNAPSHOTS[catalogue] = (state, records, versions)
    return records, versions


def gather(settings: Settings, catalogue: Any, usage: UsageStore | None = None) -> Facts:
    records, versions = catalogue_state(catalogue)
    versions = {r.meta.id: versions.get(r.meta.id, []) for r in records}
    store = usage or usage_store(settings, catalogue)
    return Facts(
        standards=standards(settings),
        datasets=tuple(records),
        versions=versions,
        audit=tuple(AuditLog(audit_path(settings)).entries()),
        usage=tuple(store.rows()),
    )
