"""What one run of the pipeline knows (settings, output place, chosen schema), and where a draft's
outputs are named. Apart from :mod:`tsunagu.publisher.pipeline` so the steps, which need these, do
not import the runner that imports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tsunagu.config import Settings
from tsunagu.formats.base import ReadOptions
from tsunagu.manifest import Manifest, SourceSpec
from tsunagu.model import Draft

if TYPE_CHECKING:
    from tsunagu.standards import SchemaRegistry


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
    #: The annotated .xlsx report is written; False where no one can fetch it (the CLI publish's
    #: private run folder is removed when the run ends), as it is the slowest report to write.
    annotated_xlsx: bool = True

    @property
    def schemas(self) -> SchemaRegistry:
        from tsunagu.standards import load_registry

        return load_registry(self.settings.schemas_dir)

    def schemas_for(self, draft: Draft) -> SchemaRegistry:
        """The standards plus the draft's own schema (``schema: schema.json``), if it has one."""
        from tsunagu.standards import registry_for

        return registry_for(self.schemas, draft.manifest)


def stem_for(manifest: Manifest | None, spec: SourceSpec | None, path: Path) -> str:
    """Output file stem: the dataset id (plus the resource key for a second source)."""
    if manifest is None:
        return path.stem
    if spec is None or spec.key == "main":
        return manifest.id
    return f"{manifest.id}-{spec.key}"


def spec_for(draft: Draft) -> SourceSpec | None:
    manifest: Manifest | None = draft.manifest
    if manifest is None:
        return None
    key = draft.report.facts.get("source_key", "main")
    return next((s for s in manifest.sources if s.key == key), None)
