"""Run the pipeline over what a user points at: one file, one manifest, or a folder of them.

Shared by the CLI (validate, convert) and, later, the publisher and the web app, so that the
rules for "what is a dataset here" live in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tsunagu.errors import ConfigError, FormatError, ManifestError, TsunaguError
from tsunagu.manifest import MANIFEST_NAME, Manifest, find_manifests, load_manifest
from tsunagu.model import Draft, Report, Source
from tsunagu.publisher.context import RunContext
from tsunagu.publisher.pipeline import Pipeline, ProgressHook, drafts_for_manifest


@dataclass
class Outcome:
    """One dataset resource after the run: its final draft, or the error that stopped it."""

    label: str
    draft: Draft | None = None
    error: TsunaguError | None = None
    manifest: Manifest | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def unreadable(self) -> bool:
        return self.error is not None or bool(
            self.draft and self.draft.report.facts.get("unreadable")
        )

    @property
    def valid(self) -> bool:
        return self.draft is not None and not self.unreadable and self.draft.report.valid


@dataclass(frozen=True)
class Job:
    label: str
    draft: Draft | None = None
    error: TsunaguError | None = None
    manifest: Manifest | None = None


def plan_jobs(target: Path, manifest_path: Path | None = None) -> Iterator[Job]:
    """Starting drafts for a file, a ``dataset.yaml`` or a folder of them."""
    if target.is_dir():
        for path in find_manifests(target):
            yield from _manifest_jobs(path)
        return
    if target.name == MANIFEST_NAME or target.suffix in (".yaml", ".yml"):
        yield from _manifest_jobs(target)
        return
    manifest = load_manifest(manifest_path) if manifest_path else None
    if manifest is not None:
        from tsunagu.publisher.as_of import manifest_as_of

        manifest_as_of(manifest)  # refused before any work, as in a folder of manifests
    draft = Draft(source=Source(path=target), manifest=manifest)
    if manifest is not None:
        draft = draft.evolve(schema=manifest.schema_slug)
    yield Job(label=target.name, draft=draft, manifest=manifest)


def _manifest_jobs(path: Path) -> Iterator[Job]:
    from tsunagu.publisher.as_of import manifest_as_of

    try:
        manifest = load_manifest(path)
        manifest_as_of(manifest)  # a data_as_of naming no day stops here, like any bad field
    except ManifestError as exc:
        yield Job(label=str(path), error=exc)
        return
    for draft in drafts_for_manifest(manifest):
        key = draft.report.facts.get("source_key", "main")
        label = manifest.id if key == "main" else f"{manifest.id}:{key}"
        yield Job(label=label, draft=draft, manifest=manifest)
    for doc in manifest.documents:
        draft = Draft(
            source=Source(path=doc.path),
            manifest=manifest,
            report=Report(facts={"source_key": doc.key, "is_document": True}),
        )
        yield Job(label=f"{manifest.id}:{doc.key}", draft=draft, manifest=manifest)


def _pipeline_for(job: Job, tables: Pipeline) -> Pipeline:
    """A document is checked, not validated: its own one-step pipeline."""
    if job.draft is not None and job.draft.report.facts.get("is_document"):
        from tsunagu.publisher.documents import CheckDocument

        return Pipeline([CheckDocument()])
    return tables


def run_jobs(
    jobs: list[Job],
    ctx: RunContext,
    pipeline: Pipeline | None = None,
    on_done: Callable[[Outcome], None] | None = None,
    on_step: ProgressHook | None = None,
) -> list[Outcome]:
    """Run every job; one dataset's failure never stops the others."""
    pipeline = pipeline or Pipeline.default()
    outcomes = []
    for job in jobs:
        if job.draft is None:
            outcome = Outcome(job.label, error=job.error, manifest=job.manifest)
        else:
            try:
                chosen = _pipeline_for(job, pipeline)
                outcome = Outcome(
                    job.label, draft=chosen.run(job.draft, ctx, on_step), manifest=job.manifest
                )
            except (FormatError, ConfigError) as exc:
                outcome = Outcome(job.label, error=exc, manifest=job.manifest)
        outcomes.append(outcome)
        if on_done:
            on_done(outcome)
    return outcomes
