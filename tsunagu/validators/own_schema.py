"""A dataset's own Table Schema (``schema: schema.json`` in its manifest), used like a standard.

Most of what a city holds follows no national standard. Such a dataset names its own
Frictionless Table Schema; this module turns that file into the same
:class:`~tsunagu.standards.StandardSchema` the standards are, so normalisation,
validation, reports, outputs and publishing treat it exactly like one (one code path, not two).
The schema file is checked here with Frictionless itself, and every fault names the file and
the field, because a broken contract must stop the run before any row is judged by it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tsunagu.standards import read_descriptor

if TYPE_CHECKING:
    from tsunagu.standards import SchemaRegistry, StandardSchema


@cache
def _load(path: Path, mtime_ns: int, slug: str, title_ja: str, title_en: str) -> StandardSchema:
    from tsunagu.standards import StandardSchema

    return StandardSchema(
        slug=slug,
        layout="current",
        title_ja=title_ja,
        title_en=title_en,
        number=None,
        version=None,
        path=path,
        descriptor=read_descriptor(path),
    )


def own_schema(manifest: Any) -> StandardSchema | None:
    """The manifest's own schema (a ``tsunagu.manifest.Manifest``, not imported: the
    validators sit below the publisher) as a standard-like schema; None for a standard.

    Read again whenever the file changes (``describe --write``, an accepted drift), else cached.
    """
    path = manifest.own_schema
    if path is None:
        return None
    resolved = path.resolve()
    return _load(
        resolved,
        resolved.stat().st_mtime_ns,
        manifest.schema_slug,
        manifest.title.ja,
        manifest.title.en,
    )


def registry_for(registry: SchemaRegistry, manifest: Any) -> SchemaRegistry:
    """The standards plus the manifest's own schema, if it has one (slug ``own:<id>``)."""
    from tsunagu.standards import SchemaRegistry

    schema = own_schema(manifest) if manifest is not None else None
    if schema is None:
        return registry
    return SchemaRegistry([*registry.all(), schema])
