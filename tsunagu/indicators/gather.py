"""Gather the recorded facts the indicators are computed from (catalogue, audit log, counters).

Shared by the CLI (``tsunagu report``), the web app's dashboard and the indicator dataset's
publisher, so all three read exactly the same facts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
    from tsunagu.validators.schemas import load_registry

    return tuple(
        Standard(s.slug, s.title_ja, s.title_en)
        for s in load_registry(settings.schemas_dir).current()
    )


def usage_store(settings: Settings, catalogue: Any = None) -> UsageStore:
    """The counters live in the catalogue's database (the embedded catalogue's engine when it
    is the local one; otherwise the ``database_url`` database under the data dir)."""
    engine = getattr(catalogue, "engine", None)
    return UsageStore(engine) if engine is not None else UsageStore.from_url(settings.database)


def every_dataset(catalogue: Any) -> list[Any]:
    """Every public dataset, page by page (a CKAN search answers at most ``PAGE`` at once)."""
    records: list[Any] = []
    while True:
        page = catalogue.search("", start=len(records), rows=PAGE)
        records.extend(page.results)
        if not page.results or len(records) >= page.count:
            return records


def gather(settings: Settings, catalogue: Any, usage: UsageStore | None = None) -> Facts:
    records = every_dataset(catalogue)
    versions = {}
    for record in records:
        try:
            versions[record.meta.id] = catalogue.list_versions(record.meta.id)
        except DatasetNotFound:  # removed between the search and this call
            versions[record.meta.id] = []
    store = usage or usage_store(settings, catalogue)
    return Facts(
        standards=standards(settings),
        datasets=tuple(records),
        versions=versions,
        audit=tuple(AuditLog(audit_path(settings)).entries()),
        usage=tuple(store.rows()),
    )
