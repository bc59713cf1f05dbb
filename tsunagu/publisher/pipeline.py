"""The pipeline: read → normalize → validate → convert (→ publish, with the publisher issue).

Each step is a small class in :mod:`tsunagu.publisher.steps` that takes a :class:`Draft` and
returns a new one. Steps never raise for bad data; the pipeline stops before any step that needs
a valid draft once the report holds a blocking problem, so nothing half-checked is ever written
out as a publishable dataset. Progress and logging happen here, not in the steps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar, Protocol

from tsunagu.manifest import Manifest
from tsunagu.model import Draft, Report, Source
from tsunagu.publisher.context import RunContext


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
