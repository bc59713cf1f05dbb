"""Published means audited: a journal entry written before the catalogue change, settled after.

The catalogue (SQLite/PostgreSQL, or CKAN) and the audit log (a hash-chained file) cannot share
one transaction, so a publish first writes what it is about to publish (dataset, checksums and
every detail of its ``publish`` audit record) to ``audit-journal/<dataset>.<random>.json``
(written whole, fsynced, renamed into place), then changes the catalogue, then appends the audit
record, then removes the entry. A process that dies between the catalogue commit and the audit
append leaves the entry behind; :meth:`AuditJournal.replay`, run when a publishing process
starts, finds the catalogue version whose checksums the entry names and writes its missing
record (marked ``replayed``). An entry whose version never committed is simply dropped. While a
live run owns an entry it holds a lock on it, so a replay in another process leaves it alone.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tsunagu.errors import DatasetNotFound
from tsunagu.publisher.audit import AuditLog

log = logging.getLogger(__name__)

JOURNAL_DIR = "audit-journal"


class AuditJournal:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def beside(cls, audit: AuditLog) -> AuditJournal:
        """The journal that belongs to ``audit`` (next to it, in the same data dir)."""
        return cls(audit.path.parent / JOURNAL_DIR)

    @contextmanager
    def pending(self, dataset_id: str, details: dict[str, Any]) -> Iterator[Path]:
        """An entry for the block's publish, held (locked) by this run until the block ends.

        The entry is removed only by :meth:`settle`; if the block raises after the catalogue
        changed, it stays for :meth:`replay`.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{dataset_id}.{uuid.uuid4().hex}.json"
        body = json.dumps({"dataset": dataset_id, **details}, ensure_ascii=False, sort_keys=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".incoming-")
        try:
            os.write(fd, body.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        holder = os.open(path, os.O_RDONLY)
        try:
            fcntl.flock(holder, fcntl.LOCK_EX)
            yield path
        finally:
            os.close(holder)

    @staticmethod
    def settle(path: Path) -> None:
        """The audit record is written (or nothing was published): the entry is done."""
        path.unlink(missing_ok=True)

    def replay(self, catalogue: Any, audit: AuditLog) -> list[dict[str, Any]]:
        """Write the audit records that died with their process; returns the records written."""
        if not self.directory.is_dir():
            return []
        written = []
        for path in sorted(self.directory.glob("*.json")):
            with _unless_held(path) as entry:
                if entry is None:
                    continue
                actor = str(entry.pop("actor", "cli"))
                record = self._missing_record(entry, catalogue, audit)
                if record is not None:
                    written.append(audit.record("publish", actor, **record))
                    log.warning(
                        "audit record of %s version %s written from the journal",
                        record["dataset"],
                        record["version"],
                    )
                self.settle(path)
        return written

    @staticmethod
    def _missing_record(
        entry: dict[str, Any], catalogue: Any, audit: AuditLog
    ) -> dict[str, Any] | None:
        dataset_id = entry["dataset"]
        try:
            versions = catalogue.list_versions(dataset_id)
        except DatasetNotFound:
            return None  # the first publish never committed
        wanted = entry.get("checksums") or {}
        match = next((v for v in versions if v.checksums == wanted), None)
        if match is None:
            return None  # this publish never committed
        audited = {
            e.get("version")
            for e in audit.entries()
            if e.get("action") == "publish" and e.get("dataset") == dataset_id
        }
        if match.number in audited:
            return None  # the record was written; only the entry's removal was lost
        return {
            **entry,
            "catalogue": catalogue.name,
            "result": "create" if match.number == 1 else "update",
            "version": match.number,
            "replayed": True,
        }


@contextmanager
def _unless_held(path: Path) -> Iterator[dict[str, Any] | None]:
    """The entry's content under its lock, or None while a live run holds it (or it is gone)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        yield None
        return
    try:
        entry = None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (BlockingIOError, FileNotFoundError):
            entry = None
        yield entry
    finally:
        os.close(fd)
