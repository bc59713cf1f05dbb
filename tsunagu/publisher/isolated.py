"""One dataset's whole run isolated: its lock held, its private folder used, from read to publish.

This is what makes two publishes of the same dataset (two CLI processes, or the CLI beside the web
app's worker) unable to mix: the second waits for the first's lock, then reads, converts and
publishes in a folder no other run touches, and finds the first's result in the catalogue. A
fault of the disk (full, quota, I/O error) during the run becomes a :class:`StorageFault` with a
``blocked`` audit record, after the run's folder and everything in it are gone.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

from tsunagu.errors import StorageFault, TsunaguError
from tsunagu.manifest import Manifest
from tsunagu.publisher.audit import AuditLog
from tsunagu.publisher.batch import Job, Outcome, run_jobs
from tsunagu.publisher.context import RunContext, stem_for
from tsunagu.publisher.locks import dataset_lock
from tsunagu.publisher.publish import DatasetOutcome, publish_dataset, record_blocked
from tsunagu.publisher.workspace import run_folder

log = logging.getLogger(__name__)


def group_by_dataset(jobs: list[Job]) -> dict[str, list[Job]]:
    """Jobs of one manifest together (a dataset's files are published all or nothing)."""
    groups: dict[str, list[Job]] = {}
    for job in jobs:
        groups.setdefault(job.manifest.id if job.manifest else job.label, []).append(job)
    return groups


def run_dataset(
    jobs: list[Job],
    ctx: RunContext,
    after: Callable[[list[Outcome], RunContext], DatasetOutcome | None] | None = None,
    prepare: Callable[[Path], None] | None = None,
) -> tuple[list[Outcome], DatasetOutcome | None]:
    """Run one dataset's jobs in a private folder under its lock, then ``after`` (e.g. publish)
    still inside both; returns the outcomes and what ``after`` returned."""
    data_dir = ctx.settings.data_dir
    manifest = jobs[0].manifest
    with ExitStack() as stack:
        if manifest is not None:
            stack.enter_context(dataset_lock(data_dir, manifest.id))
        folder = stack.enter_context(run_folder(data_dir, manifest.id if manifest else "file"))
        if prepare is not None:
            prepare(folder)
        run_ctx = replace(ctx, out_dir=folder)
        outcomes = run_jobs(jobs, run_ctx)
        return outcomes, after(outcomes, run_ctx) if after else None


def seed_descriptors(catalogue: Any, manifest: Manifest, folder: Path) -> None:
    """Put the published ``datapackage.json`` of each source where this run will write its own.

    The Data Package writer keeps the old ``created`` stamp when nothing else changed; a fresh
    private folder has no old descriptor, so without this every re-publish of unchanged data
    would be a new version.
    """
    for spec in manifest.sources:
        key = "datapackage" if spec.key == "main" else f"{spec.key}-datapackage"
        try:
            path, _ = catalogue.open_file(manifest.id, key)
        except TsunaguError:
            continue  # not published yet (or no descriptor): nothing to keep
        target = folder / stem_for(manifest, spec, spec.path) / "datapackage.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def publish_isolated(
    jobs: list[Job],
    ctx: RunContext,
    catalogue: Any,
    *,
    standard_title: str,
    audit: AuditLog | None,
    actor: str = "cli",
    dry_run: bool = False,
    received: str | None = None,
) -> tuple[list[Outcome], DatasetOutcome | None]:
    """Read → publish one dataset isolated; a disk fault blocks it cleanly (see the module)."""
    manifest = jobs[0].manifest

    def publish(outcomes: list[Outcome], _: RunContext) -> DatasetOutcome | None:
        if manifest is None:
            return None
        return publish_dataset(
            catalogue,
            manifest,
            outcomes,
            standard_title=standard_title,
            audit=audit,
            actor=actor,
            dry_run=dry_run,
            received=received,
        )

    def seed(folder: Path) -> None:
        if manifest is not None:
            seed_descriptors(catalogue, manifest, folder)

    try:
        return run_dataset(jobs, ctx, publish, seed)
    except OSError as exc:
        fault: TsunaguError = StorageFault.from_os_error(exc)
    except StorageFault as exc:
        fault = exc
    log.error("publishing %s failed: %s", manifest.id if manifest else jobs[0].label, fault.detail)
    outcomes = [Outcome(job.label, error=fault, manifest=job.manifest) for job in jobs]
    if manifest is None:
        return outcomes, None
    if audit is not None and not dry_run:
        try:  # the run's folder is gone by now: its space is free again for this line
            record_blocked(
                audit, catalogue.name, manifest, actor, fault.message_ja, code=fault.code
            )
        except OSError:
            log.exception("could not record the blocked publish of %s", manifest.id)
    return outcomes, DatasetOutcome(manifest, blocked_reason=fault.user_message)
