"""Use counters: how often each dataset page is viewed, each file downloaded, each API asked.

Counts only — one row per (day, kind, dataset, resource) holding a number. No IP address, user
agent, referrer, query string or time of day is ever written: a row cannot be traced back to a
person, which is why the counters need no consent and may be published as open data.

Requests are counted in memory (:class:`UsageCounter`, one per process) and added to the
catalogue database in batches (:class:`UsageStore`) with an upsert
(``INSERT … ON CONFLICT DO UPDATE SET count = count + excluded.count``), so several gunicorn
workers add up correctly, the figures survive restarts, and a request never waits for the
database except for the one flush every ``interval`` seconds. The table lives in the same
database as the embedded catalogue (SQLite by default, PostgreSQL by URL) but has its own
``MetaData``: creating it never touches the catalogue's tables.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from tsunagu.errors import CatalogueUnavailable

Kind = Literal["page", "download", "api"]
KINDS: tuple[Kind, ...] = ("page", "download", "api")
#: dataset id under which API requests about no single dataset (search, lists) are counted
SITE = ""

metadata = MetaData()

usage_counts = Table(
    "usage_counts",
    metadata,
    Column("day", String(10), primary_key=True),  # YYYY-MM-DD (UTC)
    Column("kind", String(20), primary_key=True),  # page | download | api
    Column("dataset_id", String(100), primary_key=True),  # "" = API calls about no one dataset
    Column("resource_key", String(100), primary_key=True),  # "" unless a download
    Column("count", Integer, nullable=False),
)

CountKey = tuple[str, str, str, str]  # (day, kind, dataset_id, resource_key)


@dataclass(frozen=True)
class UsageRow:
    day: str
    kind: str
    dataset_id: str
    resource_key: str
    count: int


_UPSERTS: dict[str, Callable[[Table], sqlite.Insert | postgresql.Insert]] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}


class UsageStore:
    """The ``usage_counts`` table: add batches, read totals."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        try:
            metadata.create_all(engine)
        except SQLAlchemyError as exc:
            raise CatalogueUnavailable(
                f"cannot create the usage counter table: {exc.__class__.__name__}",
                message_ja="利用数カウンタの表を作成できません",
                detail=str(exc),
            ) from exc

    @classmethod
    def from_url(cls, database_url: str) -> UsageStore:
        if database_url.startswith("sqlite"):  # writers from several workers queue, not fail
            return cls(create_engine(database_url, connect_args={"timeout": 30}))
        return cls(create_engine(database_url, pool_pre_ping=True))

    def add(self, counts: dict[CountKey, int]) -> None:
        """Add a batch in one transaction (each key an upsert that adds to the stored count)."""
        if not counts:
            return
        insert = _UPSERTS.get(self.engine.dialect.name)
        if insert is None:  # only the two documented databases are supported
            raise CatalogueUnavailable(
                f"usage counters need SQLite or PostgreSQL, not {self.engine.dialect.name}",
                message_ja="利用数カウンタは SQLite か PostgreSQL でのみ使えます",
            )
        rows = [
            {"day": d, "kind": k, "dataset_id": ds, "resource_key": r, "count": n}
            for (d, k, ds, r), n in sorted(counts.items())  # same order in every worker
        ]
        stmt = insert(usage_counts)
        stmt = stmt.on_conflict_do_update(
            index_elements=["day", "kind", "dataset_id", "resource_key"],
            set_={"count": usage_counts.c.count + stmt.excluded.count},
        )
        with self.engine.begin() as conn:
            conn.execute(stmt, rows)

    def rows(self, start: date | None = None, end: date | None = None) -> list[UsageRow]:
        """Every stored row with ``start <= day <= end`` (both optional), oldest first."""
        query = select(usage_counts).order_by(
            usage_counts.c.day, usage_counts.c.kind, usage_counts.c.dataset_id
        )
        if start is not None:
            query = query.where(usage_counts.c.day >= start.isoformat())
        if end is not None:
            query = query.where(usage_counts.c.day <= end.isoformat())
        with self.engine.connect() as conn:
            return [
                UsageRow(r.day, r.kind, r.dataset_id, r.resource_key, r._mapping["count"])
                for r in conn.execute(query)
            ]


class UsageCounter:
    """Per-process tally, flushed to a :class:`UsageStore` at most every ``interval`` seconds.

    ``hit`` is a dict increment under a lock (no I/O); the request that finds the interval
    elapsed takes the pending batch and writes it. A failed write puts the batch back, so a
    busy or briefly unavailable database loses nothing; at most the last ``interval`` seconds
    of counts are lost if the process is killed without a chance to flush (SIGKILL).
    """

    def __init__(self, store: UsageStore, interval: float = 10.0, max_pending: int = 5000):
        self.store = store
        self.interval = interval
        self.max_pending = max_pending
        self._pending: Counter[CountKey] = Counter()
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()

    def hit(self, kind: Kind, dataset_id: str, resource_key: str = "", day: str = "") -> None:
        key = (day or datetime.now(UTC).date().isoformat(), kind, dataset_id, resource_key)
        with self._lock:
            self._pending[key] += 1
            due = (
                len(self._pending) >= self.max_pending
                or time.monotonic() - self._last_flush >= self.interval
            )
        if due:
            self.flush()

    def pending(self) -> dict[CountKey, int]:
        with self._lock:
            return dict(self._pending)

    def flush(self) -> None:
        """Write what is pending; on failure keep it for the next flush (no count is lost)."""
        with self._lock:
            batch, self._pending = self._pending, Counter()
            self._last_flush = time.monotonic()
        if not batch:
            return
        try:
            self.store.add(dict(batch))
        except (SQLAlchemyError, CatalogueUnavailable):
            with self._lock:
                self._pending.update(batch)

    def after_fork(self) -> None:
        """A forked worker starts with no pending counts (the parent's are the parent's) and
        its own database connections (SQLAlchemy: never share a pooled connection over fork)."""
        self.store.engine.dispose(close=False)
        self._lock = threading.Lock()
        self._pending = Counter()
        self._last_flush = time.monotonic()


def totals(rows: Iterable[UsageRow]) -> dict[tuple[str, str], int]:
    """``(kind, dataset_id) -> count`` over the given rows."""
    out: Counter[tuple[str, str]] = Counter()
    for row in rows:
        out[(row.kind, row.dataset_id)] += row.count
    return dict(out)
