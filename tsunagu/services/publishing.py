"""The one publishing path: the CLI's ``tsunagu publish`` and the web upload's publish job both end
here, so they share one per-dataset lock and one audit log.

The lock is an exclusive ``fcntl.flock`` on ``<data dir>/locks/<dataset id>.lock``: it is held by
the open file, so it excludes other processes (a CLI run, gunicorn workers, RQ workers on this
host) and other threads alike, and the kernel drops it when a process dies, so no stale lock
survives a crash. (``filelock`` would add nothing here: it also wraps ``flock`` on Linux.)
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tsunagu.catalogue.base import Catalogue
from tsunagu.config import Settings
from tsunagu.errors import TsunaguError
from tsunagu.manifest import Manifest
from tsunagu.publisher.audit import AuditLog
from tsunagu.publisher.batch import Outcome
from tsunagu.publisher.publish import DatasetOutcome, publish_dataset


class PublishBusy(TsunaguError):
    """Another publish of the same dataset is running, and the caller asked not to wait."""

    code = "publish-busy"
    http_status = 409


@dataclass(frozen=True)
class DatasetLock:
    """Proof that the caller holds a dataset's lock (so :func:`publish` does not take it twice:
    a second ``flock`` from the same process on another open file would wait for itself)."""

    dataset_id: str
    path: Path


def lock_path(settings: Settings, dataset_id: str) -> Path:
    return settings.data_dir / "locks" / f"{dataset_id}.lock"


@contextmanager
def dataset_lock(
    settings: Settings, dataset_id: str, *, wait: bool = True
) -> Iterator[DatasetLock]:
    """Hold the dataset's publish lock: wait for it, or refuse at once (:class:`PublishBusy`)."""
    path = lock_path(settings, dataset_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise PublishBusy(
                f"dataset {dataset_id!r} is already being published; try again shortly",
                message_ja=f"データセット「{dataset_id}」は公開処理中です。少し待ってください",
            ) from exc
        try:
            yield DatasetLock(dataset_id, path)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def is_publishing(settings: Settings, dataset_id: str) -> bool:
    """Whether a publish of ``dataset_id`` holds its lock right now (in any process)."""
    try:
        with dataset_lock(settings, dataset_id, wait=False):
            return False
    except PublishBusy:
        return True


def audit_log(settings: Settings) -> AuditLog:
    """The instance's one hash-chained audit log."""
    return AuditLog(settings.data_dir / "audit.jsonl")


def standard_title(settings: Settings, slug: str) -> str:
    """The standard's Japanese title for the catalogue record; the slug when it is unknown."""
    from tsunagu.standards import load_registry

    try:
        return load_registry(settings.schemas_dir).get(slug).title_ja
    except TsunaguError:
        return slug


def publish(
    settings: Settings,
    catalogue: Catalogue,
    manifest: Manifest,
    outcomes: list[Outcome],
    *,
    actor: str,
    dry_run: bool = False,
    received: str | None = None,
    held: DatasetLock | None = None,
    wait: bool = True,
) -> DatasetOutcome:
    """Publish one dataset's pipeline outcomes under its lock, audited; blocked ones are audited
    as blocked and change nothing. ``held`` is the caller's lock when it already holds it."""
    if held is not None:
        if held.dataset_id != manifest.id:
            raise ValueError(f"lock held for {held.dataset_id!r}, publishing {manifest.id!r}")
        return _publish(settings, catalogue, manifest, outcomes, actor, dry_run, received)
    with dataset_lock(settings, manifest.id, wait=wait):
        return _publish(settings, catalogue, manifest, outcomes, actor, dry_run, received)


def _publish(
    settings: Settings,
    catalogue: Catalogue,
    manifest: Manifest,
    outcomes: list[Outcome],
    actor: str,
    dry_run: bool,
    received: str | None,
) -> DatasetOutcome:
    return publish_dataset(
        catalogue,
        manifest,
        outcomes,
        standard_title=standard_title(settings, manifest.standard),
        audit=audit_log(settings),
        actor=actor,
        dry_run=dry_run,
        received=received,
    )
