"""The embedded catalogue: SQLAlchemy (SQLite file by default, PostgreSQL by URL) + blob store.

A publish is one database transaction taken under a per-dataset lock (``BEGIN IMMEDIATE`` on
SQLite, a transaction-scoped advisory lock on PostgreSQL), so two publishes of the same dataset
serialise and the second sees the first's result; files are stored content-addressed before
the transaction, so a failure leaves the catalogue exactly as it was (an unreferenced blob at
most). Unchanged resources are not copied again and keep their ids.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, delete, event, insert, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from tsunagu.catalogue import local_schema as t
from tsunagu.catalogue.base import (
    DatasetMeta,
    DatasetRecord,
    PublishRequest,
    PublishResult,
    ResourceRecord,
    SearchPage,
    VersionRecord,
    resource_diff,
)
from tsunagu.catalogue.blobs import BlobStore
from tsunagu.catalogue.search_text import fold, matches
from tsunagu.config import Settings
from tsunagu.errors import CatalogueUnavailable, DatasetNotFound, PublishError


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60, "isolation_level": None})

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn: Connection) -> None:  # writers queue instead of failing
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)


class LocalCatalogue:
    name = "local"

    def __init__(self, database_url: str, storage_dir: Path) -> None:
        if database_url.startswith("sqlite:///"):
            Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine = _make_engine(database_url)
        self.blobs = BlobStore(storage_dir)
        try:
            t.metadata.create_all(self.engine)
        except SQLAlchemyError as exc:
            raise CatalogueUnavailable(
                f"cannot open the local catalogue database: {exc.__class__.__name__}",
                message_ja="ローカルカタログのデータベースを開けません",
                detail=str(exc),
            ) from exc

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalCatalogue:
        return cls(settings.database, settings.data_dir / "storage")

    # -- writing -------------------------------------------------------------------------
    def check(self) -> None:
        self.blobs.root.mkdir(parents=True, exist_ok=True)
        probe = self.blobs.root / ".write-probe"
        probe.write_text("ok", encoding="utf-8")
        probe.unlink()
        with self.engine.connect() as conn:
            conn.execute(select(t.organisations.c.id).limit(1))

    def publish(self, request: PublishRequest, *, dry_run: bool = False) -> PublishResult:
        meta = request.meta
        with self._locked(meta.id) as conn:
            row = conn.execute(select(t.datasets).where(t.datasets.c.id == meta.id)).first()
            current = self._checksums(conn, meta.id)
            wanted = {r.key: r.sha256 for r in request.resources}
            changes = resource_diff(current, wanted)
            meta_changed = row is None or row.meta != meta.fingerprint()
            moving = [c for c in changes if c.action in ("create", "update")]
            if row is None:
                action = "create"
            elif meta_changed or any(c.action != "unchanged" for c in changes):
                action = "update"
            else:
                action = "unchanged"
            result = PublishResult(
                meta.id, action, changes, meta_changed, len(moving), None, dry_run
            )
            if dry_run or action == "unchanged":
                return result
            self._store_files(request)  # before any row points at them
            version = self._write(conn, request, row, changes)
        return PublishResult(meta.id, action, changes, meta_changed, len(moving), version, False)

    def _store_files(self, request: PublishRequest) -> None:
        """Copy every file into the blob store, verifying its checksum on the way.

        A file that vanished or changed since it was hashed aborts the publish before any row is
        written (the transaction rolls back), so the catalogue stays exactly as it was.
        """
        for res in request.resources:
            try:
                self.blobs.put(res.path, res.sha256)
            except (OSError, ValueError) as exc:
                raise PublishError(
                    f"{res.path.name} could not be stored ({exc.__class__.__name__}); it changed"
                    " or vanished after it was checked. Run the publish again",
                    message_ja=f"{res.path.name} を保存できません。確認後に変更または削除"
                    "されました。もう一度公開してください",
                    code="publish-file-changed",
                    detail=str(exc),
                ) from exc

    @contextmanager
    def _locked(self, dataset_id: str) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            _lock(conn, f"dataset:{dataset_id}")
            yield conn

    def _write(self, conn: Connection, request: PublishRequest, row: Any, changes: Any) -> int:
        meta, now = request.meta, _now()
        # datasets of one new organisation take different dataset locks: serialise its insert
        _lock(conn, f"organisation:{meta.organisation}")
        org = conn.execute(
            select(t.organisations).where(t.organisations.c.id == meta.organisation)
        ).first()
        if org is None:
            conn.execute(
                insert(t.organisations).values(
                    id=meta.organisation,
                    title_ja=meta.organisation_title_ja,
                    title_en=meta.organisation_title_en,
                    created=now,
                )
            )
        number = (row.latest_version or 0) + 1 if row is not None else 1
        values = {
            "organisation_id": meta.organisation,
            "meta": meta.fingerprint(),
            "search_text": fold(" ".join(_searchable(meta))),
            "latest_version": number,
            "modified": now,
        }
        if row is None:
            conn.execute(
                insert(t.datasets).values(id=meta.id, private=False, created=now, **values)
            )
        else:
            conn.execute(update(t.datasets).where(t.datasets.c.id == meta.id).values(**values))
        by_key = {r.key: r for r in request.resources}
        for change in changes:
            where = (t.resources.c.dataset_id == meta.id) & (t.resources.c.key == change.key)
            if change.action == "remove":
                conn.execute(delete(t.resources).where(where))
                continue
            res = by_key[change.key]
            fields = {
                "name": res.name,
                "format": res.format,
                "mediatype": res.mediatype,
                "sha256": res.sha256,
                "size": res.size,
                "modified": now,
            }
            if change.action == "create":
                conn.execute(
                    insert(t.resources).values(
                        id=str(uuid.uuid4()), dataset_id=meta.id, key=res.key, created=now, **fields
                    )
                )
            else:
                conn.execute(update(t.resources).where(where).values(**fields))
        files = {
            r.key: {
                "sha256": r.sha256,
                "size": r.size,
                "name": r.name,
                "format": r.format,
                "mediatype": r.mediatype,
            }
            for r in request.resources
        }
        conn.execute(
            insert(t.versions).values(
                dataset_id=meta.id,
                number=number,
                created=now,
                actor=request.actor,
                files=files,
                report=request.report.get("summary", {}),
            )
        )
        return number

    def delete_dataset(self, dataset_id: str, *, actor: str = "cli") -> None:
        with self._locked(dataset_id) as conn:
            if (
                conn.execute(select(t.datasets.c.id).where(t.datasets.c.id == dataset_id)).first()
                is None
            ):
                raise _not_found(dataset_id)
            conn.execute(delete(t.resources).where(t.resources.c.dataset_id == dataset_id))
            conn.execute(delete(t.versions).where(t.versions.c.dataset_id == dataset_id))
            conn.execute(delete(t.datasets).where(t.datasets.c.id == dataset_id))

    def release_connections(self) -> None:
        """Close pooled database connections (a connection must not cross a fork)."""
        self.engine.dispose()

    # -- reading -------------------------------------------------------------------------
    def get_dataset(self, dataset_id: str) -> DatasetRecord:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.datasets).where(t.datasets.c.id == dataset_id)).first()
            if row is None:
                raise _not_found(dataset_id)
            return self._record(conn, row)

    def search(
        self, q: str = "", filters: dict[str, str] | None = None, *, start: int = 0, rows: int = 20
    ) -> SearchPage:
        filters = filters or {}
        with self.engine.connect() as conn:
            found = [
                self._record(conn, row)
                for row in conn.execute(select(t.datasets).order_by(t.datasets.c.modified.desc()))
                if not row.private and (not q or matches(q, row.search_text))
            ]
        found = [d for d in found if _passes(d, filters)]
        return SearchPage(tuple(found[start : start + rows]), len(found), _facets(found))

    def list_versions(self, dataset_id: str) -> list[VersionRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.versions)
                .where(t.versions.c.dataset_id == dataset_id)
                .order_by(t.versions.c.number.desc())
            ).all()
        if not rows:
            self.get_dataset(dataset_id)  # raises DatasetNotFound when there is no dataset
        return [
            VersionRecord(
                r.number, r.created, r.actor, {k: v["sha256"] for k, v in r.files.items()}, r.report
            )
            for r in rows
        ]

    def resource_url(self, dataset_id: str, key: str, version: int | None = None) -> str:
        if version is not None:  # the file name as it was in that version, not the latest one
            _, info = self.open_file(dataset_id, key, version)
            return f"/datasets/{dataset_id}/versions/{version}/{key}/{info['name']}"
        record = self.get_dataset(dataset_id)
        res = next((r for r in record.resources if r.key == key), None)
        if res is None:
            raise DatasetNotFound(
                f"dataset {dataset_id} has no resource {key!r}", code="resource-not-found"
            )
        return f"/datasets/{dataset_id}/resources/{key}/{res.name}"

    def open_file(
        self, dataset_id: str, key: str, version: int | None = None
    ) -> tuple[Path, dict[str, Any]]:
        """The stored file of a resource (latest or a given version) and its metadata."""
        with self.engine.connect() as conn:
            query = select(t.versions).where(t.versions.c.dataset_id == dataset_id)
            query = (
                query.where(t.versions.c.number == version)
                if version
                else query.order_by(t.versions.c.number.desc()).limit(1)
            )
            row = conn.execute(query).first()
        if row is None or key not in row.files:
            raise DatasetNotFound(
                f"no file {key!r} in dataset {dataset_id} version {version or 'latest'}",
                code="resource-not-found",
            )
        info = row.files[key]
        return self.blobs.path_for(info["sha256"]), info

    def _checksums(self, conn: Connection, dataset_id: str) -> dict[str, str]:
        rows = conn.execute(
            select(t.resources.c.key, t.resources.c.sha256).where(
                t.resources.c.dataset_id == dataset_id
            )
        ).all()
        return {r.key: r.sha256 for r in rows}

    def _record(self, conn: Connection, row: Any) -> DatasetRecord:
        res_rows = conn.execute(
            select(t.resources)
            .where(t.resources.c.dataset_id == row.id)
            .order_by(t.resources.c.key)
        ).all()
        resources = tuple(
            ResourceRecord(
                r.id,
                r.key,
                r.name,
                r.format,
                r.mediatype,
                r.sha256,
                r.size,
                f"/datasets/{row.id}/resources/{r.key}/{r.name}",
            )
            for r in res_rows
        )
        meta = dict(row.meta)
        meta["tags"] = tuple(meta.get("tags") or ())
        return DatasetRecord(
            DatasetMeta(**meta),
            resources,
            row.created,
            row.modified,
            row.latest_version,
            bool(row.private),
        )


def _lock(conn: Connection, name: str) -> None:
    """Transaction-scoped lock on PostgreSQL (SQLite's BEGIN IMMEDIATE already serialises all
    writers). Always taken dataset first, organisation second, so two publishes never deadlock."""
    if conn.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def _not_found(dataset_id: str) -> DatasetNotFound:
    return DatasetNotFound(
        f"dataset {dataset_id!r} not found", message_ja=f"データセット「{dataset_id}」はありません"
    )


def _searchable(meta: DatasetMeta) -> list[str]:
    return [
        meta.id,
        meta.title_ja,
        meta.title_en,
        meta.description_ja,
        meta.description_en,
        meta.organisation_title_ja,
        meta.organisation_title_en,
        meta.standard,
        meta.standard_title,
        *meta.tags,
    ]


FACETS = {
    "organization": lambda d: [d.meta.organisation],
    "standard": lambda d: [d.meta.standard],
    "tags": lambda d: list(d.meta.tags),
    "res_format": lambda d: sorted({r.format for r in d.resources}),
}


def _passes(record: DatasetRecord, filters: dict[str, str]) -> bool:
    return all(value in FACETS[name](record) for name, value in filters.items() if name in FACETS)


def _facets(records: list[DatasetRecord]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    for record in records:
        for name, values in FACETS.items():
            for value in values(record):
                out[name][value] = out[name].get(value, 0) + 1
    return out
