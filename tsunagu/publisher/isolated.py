"""One dataset's whole run isolated: its lock held, its private folder used, from read to publish
(or, for ``tsunagu convert``, from read to the outputs installed in the chosen folder).

This is what makes two publishes of the same dataset (two CLI processes, or the CLI beside the web
app's worker) unable to mix: the second waits for the first's lock, then reads, converts and
publishes in a folder no other run touches, and finds the first's result in the catalogue. A
fault of the disk (full, quota, I/O error) during the run becomes a :class:`StorageFault` with a
``blocked`` audit record, after the run's folder and everything in it are gone.
"""

from __future__ import annotations

import glob
import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

from tsunagu.errors import StorageFault, TsunaguError
from tsunagu.manifest import Manifest
from tsunagu.publisher.audit import AuditLog
from tsunagu.publisher.batch import Job, Outcome, run_jobs
from tsunagu.publisher.context import RunContext, spec_for, stem_for
from tsunagu.publisher.locks import dataset_lock
from tsunagu.publisher.publish import DatasetOutcome, publish_dataset, record_blocked
from tsunagu.publisher.workspace import OWNER, run_folder

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
        # the run folder goes when the run ends: an annotated .xlsx there would be read by no one
        return run_dataset(jobs, replace(ctx, annotated_xlsx=False), publish, seed)
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


def convert_isolated(jobs: list[Job], ctx: RunContext, out: Path) -> list[Outcome]:
    """Read → convert one dataset in a private folder under its lock, then install the result.

    ``OUT/<stem>/`` is replaced as a whole by this run's folder (reports, and outputs when the
    data is valid), so two converts of one dataset, or a convert beside a publish, never leave
    one run's CSV beside another run's report, and an invalid re-run leaves no stale outputs of
    an earlier valid one. A file given without a manifest is locked by where its outputs go.
    A disk fault becomes a :class:`StorageFault` outcome, with nothing half-installed.
    """
    out = Path(out)
    with ExitStack() as stack:
        if jobs[0].manifest is None:  # no dataset id: lock the output place instead
            place = hashlib.sha256(str(out.resolve() / jobs[0].label).encode()).hexdigest()[:20]
            stack.enter_context(dataset_lock(ctx.settings.data_dir, f"convert-{place}"))
        try:
            outcomes, _ = run_dataset(
                jobs,
                ctx,
                after=lambda _o, run: _install(run.out_dir, out),
                prepare=lambda folder: _seed_from(out, folder, _stems(jobs)),
            )
            return outcomes
        except OSError as exc:
            fault: TsunaguError = StorageFault.from_os_error(exc)
        except StorageFault as exc:
            fault = exc
    log.error("converting %s failed: %s", jobs[0].label, fault.detail)
    return [Outcome(job.label, error=fault, manifest=job.manifest) for job in jobs]


def _stems(jobs: list[Job]) -> set[str]:
    """The folders under OUT that these jobs write (one per source or document)."""
    return {
        stem_for(job.draft.manifest, spec_for(job.draft), job.draft.source.path)
        for job in jobs
        if job.draft is not None
    }


def _seed_from(out: Path, folder: Path, stems: set[str]) -> None:
    """This dataset's ``datapackage.json`` from the last convert into the run's folder, so that
    an unchanged re-convert keeps its ``created`` stamp (see :func:`seed_descriptors`)."""
    for stem in stems:
        old = out / stem / "datapackage.json"
        if not old.is_file():
            continue
        target = folder / stem / old.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(old, target)


def _install(folder: Path | None, out: Path) -> None:
    """Copy each entry of the run's folder into ``out`` beside its old version, then swap.

    Copied (the run folder may sit on another file system than ``out``) under a hidden name,
    then renamed over the old entry: readers see the old folder or the new one, never a mix.
    Hidden leftovers of this name from a killed run are removed first: the lock is held, so
    no live run of the same dataset owns them.
    """
    if folder is None:
        return
    out.mkdir(parents=True, exist_ok=True)
    for entry in sorted(folder.iterdir()):
        if entry.name == OWNER:
            continue
        name = glob.escape(entry.name)
        for stale in (*out.glob(f".{name}.part-*"), *out.glob(f".{name}.old-*")):
            _remove(stale)
        staged = Path(tempfile.mkdtemp(prefix=f".{entry.name}.part-", dir=out))
        old: Path | None = None
        try:
            if entry.is_dir():
                shutil.copytree(entry, staged / entry.name)
            else:
                shutil.copy2(entry, staged / entry.name)
            target = out / entry.name
            if target.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{entry.name}.old-", dir=out))
                os.replace(target, old / entry.name)
            os.replace(staged / entry.name, target)
        finally:
            for leftover in (staged, old):
                if leftover is not None:
                    _remove(leftover)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
