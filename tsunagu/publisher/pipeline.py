"""The pipeline: read → normalize → validate → convert (→ publish, with the publisher issue).

Each step is a small class in :mod:`tsunagu.publisher.steps` that takes a :class:`Draft` and
returns a new one. Steps never raise for bad data; the pipeline stops before any step that needs
a valid draft once the report holds a blocking problem, so nothing half-checked is ever written
out as a publishable dataset. Progress and logging happen here, not in the steps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol

from tsunagu.config import Settings
from tsunagu.formats.base import ReadOptions
from tsunagu.model import Draft, Report, Source
from tsunagu.publisher.manifest import Manifest, SourceSpec


@dataclass(frozen=True)
class RunContext:
    """What every step may consult; built once per run by the CLI or the web app."""

    settings: Settings
    out_dir: Path | None = None  # where reports and outputs go; None = nowhere
    schema_slug: str | None = None  # explicit --schema, overriding recognition
    layout: str | None = None  # explicit layout ("current" | "suisho2020")
    write_outputs: bool = True  # convert writes the standard outputs when the draft is valid
    read_options: ReadOptions | None = None  # for a single file given on the command line
    engine: str = "fast"  # validation engine: "fast" or "frictionless" (the reference)
    accept_schema: bool = False  # an own schema's drift is accepted (rewritten), not blocked

    @property
    def schemas(self):  # -> SchemaRegistry (imported lazily)
        from tsunagu.validators.schemas import load_registry

        return load_registry(self.settings.schemas_dir)

    def schemas_for(self, draft: Draft):  # -> SchemaRegistry
        """The standards plus the draft's own schema (``schema: schema.json``), if it has one."""
        from tsunagu.validators.own_schema import registry_for

        return registry_for(self.schemas, draft.manifest)


class Step(Protocol):
    name: ClassVar[str]
    needs_valid: ClassVar[bool]  # skip when the report already blocks

    def run(self, draft: Draft, ctx: RunContext) -> Draft: ...


ProgressHook = Callable[[str, Draft], None]


class Pipeline:
    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = list(steps)

    @classmethod
    def default(cls) -> Pipeline:
        from tsunagu.publisher.steps.convert import Convert
        from tsunagu.publisher.steps.normalize import Normalize
        from tsunagu.publisher.steps.read import Read
        from tsunagu.publisher.steps.validate import Validate
        from tsunagu.publisher.steps.write_report import WriteReport

        return cls([Read(), Normalize(), Validate(), Convert(), WriteReport()])

    def run(self, draft: Draft, ctx: RunContext, on_step: ProgressHook | None = None) -> Draft:
        for step in self.steps:
            stopped = draft.table is None or (step.needs_valid and not draft.report.valid)
            if stopped and step.needs_valid:
                draft.report.facts.setdefault("stopped_before", step.name)
                continue
            draft = step.run(draft, ctx)
            draft.report.facts.setdefault("steps", []).append(step.name)
            if on_step:
                on_step(step.name, draft)
        return draft


def stem_for(manifest: Manifest | None, spec: SourceSpec | None, path: Path) -> str:
    """Output file stem: the dataset id (plus the resource key for a second source)."""
    if manifest is None:
        return path.stem
    if spec is None or spec.key == "main":
        return manifest.id
    return f"{manifest.id}-{spec.key}"


def drafts_for_manifest(manifest: Manifest) -> list[Draft]:
    """One starting draft per source file of the dataset (each becomes its own resource set)."""
    return [
        Draft(
            source=Source(path=spec.path),
            manifest=manifest,
            schema=manifest.schema_slug,
            report=Report(facts={"source_key": spec.key}),
        )
        for spec in manifest.sources
    ]


def spec_for(draft: Draft) -> SourceSpec | None:
    manifest: Manifest | None = draft.manifest
    if manifest is None:
        return None
    key = draft.report.facts.get("source_key", "main")
    return next((s for s in manifest.sources if s.key == key), None)
