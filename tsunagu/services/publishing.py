"""The one publishing path: the CLI's ``tsunagu publish`` and the web upload's publish job both end
here, so they share one per-dataset lock (:mod:`tsunagu.publisher.locks`) and one audit log.

The CLI runs a dataset whole under the lock, from read to catalogue write, in a private folder
(:func:`publish_run`); the web app read and checked the upload earlier and takes the lock around
its publish (:func:`publish`, or with ``held`` when it already took it to refuse a busy dataset).
A process never takes the lock twice: a second ``flock`` on another open file would wait for itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tsunagu.catalogue.base import Catalogue
from tsunagu.config import Settings
from tsunagu.errors import DatasetBusy, TsunaguError
from tsunagu.manifest import Manifest
from tsunagu.publisher import locks
from tsunagu.publisher.audit import AuditLog
from tsunagu.publisher.batch import Job, Outcome
from tsunagu.publisher.context import RunContext
from tsunagu.publisher.isolated import publish_isolated
from tsunagu.publisher.journal import AuditJournal
from tsunagu.publisher.publish import DatasetOutcome, publish_dataset
from tsunagu.publisher.workspace import sweep_stale


@dataclass(frozen=True)
class DatasetLock:
    """Proof that the caller holds a dataset's lock (so :func:`publish` does not take it twice)."""

    dataset_id: str
    path: Path


def lock_path(settings: Settings, dataset_id: str) -> Path:
    return locks.lock_path(settings.data_dir, dataset_id)


@contextmanager
def dataset_lock(
    settings: Settings, dataset_id: str, *, wait: bool = True
) -> Iterator[DatasetLock]:
    """Hold the dataset's publish lock: wait for it, or refuse at once (:class:`DatasetBusy`)."""
    with locks.dataset_lock(settings.data_dir, dataset_id, wait=wait) as path:
        yield DatasetLock(dataset_id, path)


def is_publishing(settings: Settings, dataset_id: str) -> bool:
    """Whether a publish of ``dataset_id`` holds its lock right now (in any process)."""
    try:
        with dataset_lock(settings, dataset_id, wait=False):
            return False
    except DatasetBusy:
        return True


def recover(settings: Settings, catalogue: Catalogue) -> None:
    """Before publishing: remove what killed runs left behind and audit the versions a killed run
    published but never recorded (the audit journal's replay)."""
    audit = audit_log(settings)
    sweep_stale(settings.data_dir)
    AuditJournal.beside(audit).replay(catalogue, audit)


def publish_run(
    settings: Settings,
    catalogue: Catalogue,
    jobs: list[Job],
    ctx: RunContext,
    *,
    actor: str,
    dry_run: bool = False,
) -> tuple[list[Outcome], DatasetOutcome | None]:
    """Read → publish one dataset's files under its lock in a private folder (the CLI's path)."""
    manifest = jobs[0].manifest
    title = standard_title(settings, manifest.standard) if manifest else ""
    audit = audit_log(settings)
    outcomes, outcome = publish_isolated(
        jobs,
        ctx,
        catalogue,
        standard_title=title,
        audit=audit,
        actor=actor,
        dry_run=dry_run,
    )
    if not dry_run:
        audit_accepted(audit, outcomes, actor)
    return outcomes, outcome


def audit_accepted(audit: AuditLog, outcomes: list[Outcome], actor: str) -> None:
    """A department's accepted schema change is a decision: it goes to the audit log (from the
    CLI's ``--accept-schema`` and the upload page's button alike)."""
    for outcome in outcomes:
        accepted = outcome.draft.report.facts.get("schema_accepted") if outcome.draft else None
        if accepted and outcome.manifest is not None:
            audit.record(
                "schema-accepted",
                actor,
                dataset=outcome.manifest.id,
                file=outcome.label,
                **accepted,
            )


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
