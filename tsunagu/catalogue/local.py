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
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    create_engine,
    delete,
    event,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from tsunagu.catalogue import local_schema as t
from tsunagu.catalogue.base import (
    Action,
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
        self._cached_listing: (
            tuple[int | None, tuple[list[tuple[DatasetRecord, str]], _Everything]] | None
        ) = None
        try:
            t.metadata.create_all(self.engine)
            _ensure_state(self.engine)
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
            action: Action
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
        _next_generation(conn)
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
            _next_generation(conn)
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
        listing, every = self._listing()
        if not q and not filters:  # the plain listing: its facets are kept with it
            facets = {name: dict(counts) for name, counts in every.facets.items()}  # callers' own
            return SearchPage(tuple(every.records[start : start + rows]), every.count, facets)
        found = [
            record
            for record, search_text in listing
            if (not q or matches(q, search_text)) and _passes(record, filters)
        ]
        return SearchPage(tuple(found[start : start + rows]), len(found), _facets(found))

    def _listing(self) -> tuple[list[tuple[DatasetRecord, str]], _Everything]:
        """Every public dataset (newest first) with its search text, built from two queries
        and kept until the catalogue changes.

        Whether it changed is one cheap query per listing: every write (publish, delete)
        raises the catalogue's generation in its own transaction, so another process's publish
        (a CLI run, another gunicorn worker) is seen at the next request. A listing of 1,000
        datasets is then no query per dataset and no rebuild (bench/listing.py).
        """
        with self.engine.connect() as conn:
            stamp = conn.execute(select(t.state.c.generation).where(t.state.c.id == 1)).scalar()
            cached = self._cached_listing
            if cached is not None and cached[0] == stamp:
                return cached[1]
            rows = conn.execute(
                select(t.datasets)
                .where(t.datasets.c.private.is_(False))
                .order_by(t.datasets.c.modified.desc())
            ).all()
            resources: dict[str, list[Any]] = {}
            for res in conn.execute(select(t.resources).order_by(t.resources.c.key)):
                resources.setdefault(res.dataset_id, []).append(res)
        listing = [(_to_record(row, resources.get(row.id, [])), row.search_text) for row in rows]
        records = [record for record, _ in listing]
        built = (listing, _Everything(records, len(records), _facets(records)))
        self._cached_listing = (stamp, built)
        return built

    def versions_of(self, dataset_ids: list[str]) -> dict[str, list[VersionRecord]]:
        """One query for every dataset named (newest version first in each list)."""
        out: dict[str, list[VersionRecord]] = {dataset_id: [] for dataset_id in dataset_ids}
        if not dataset_ids:
            return out
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.versions)
                .where(t.versions.c.dataset_id.in_(dataset_ids))
                .order_by(t.versions.c.dataset_id, t.versions.c.number.desc())
            ).all()
        for r in rows:
            out[r.dataset_id].append(_version(r))
        return out

    def list_versions(self, dataset_id: str) -> list[VersionRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.versions)
                .where(t.versions.c.dataset_id == dataset_id)
                .order_by(t.versions.c.number.desc())
            ).all()
        if not rows:
            self.get_dataset(dataset_id)  # raises DatasetNotFound when there is no dataset
        return [_version(r) for r in rows]

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
        return _to_record(row, res_rows)


def _version(row: Any) -> VersionRecord:
    checksums = {k: v["sha256"] for k, v in row.files.items()}
    return VersionRecord(row.number, row.created, row.actor, checksums, row.report)


@dataclass(frozen=True)
class _Everything:
    """The unfiltered listing as a search answers it (records, count, facets)."""

    records: list[DatasetRecord]
    count: int
    facets: dict[str, dict[str, int]]


def _to_record(row: Any, res_rows: Sequence[Any]) -> DatasetRecord:
    """A dataset row and its resource rows (ordered by key) as the catalogue's record."""
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


def _next_generation(conn: Connection) -> None:
    """Raise the catalogue's generation inside the write's transaction (taken after the
    dataset and organisation locks, so writers never wait on each other in a cycle)."""
    conn.execute(
        update(t.state).where(t.state.c.id == 1).values(generation=t.state.c.generation + 1)
    )


def _ensure_state(engine: Engine) -> None:
    """The generation row exists from the start (a concurrent first insert would collide)."""
    with engine.begin() as conn:
        if conn.execute(select(t.state.c.id).where(t.state.c.id == 1)).first() is None:
            try:
                with conn.begin_nested():
                    conn.execute(insert(t.state).values(id=1, generation=0))
            except IntegrityError:
                pass  # another process created it meanwhile


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
    "standard": lambda d: [d.meta.standard] if d.meta.standard else [],
    "kind": lambda d: [d.meta.kind],  # standard / own-schema / documents (issue 15)
    "tags": lambda d: list(d.meta.tags),
    "res_format": lambda d: sorted({r.format for r in d.resources}),
}


def _passes(record: DatasetRecord, filters: dict[str, str]) -> bool:
    return all(value in FACETS[name](record) for name, value in filters.items() if name in FACETS)


def _facets(records: list[DatasetRecord]) -> dict[str, dict[str, int]]:
    """Value counts per facet (first-seen order), one Counter pass per facet."""
    return {
        name: dict(Counter(value for record in records for value in values(record)))
        for name, values in FACETS.items()
    }
