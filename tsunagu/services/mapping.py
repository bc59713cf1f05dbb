"""The column-mapping screen's work: what each local column could be, and saving the choice.

Flask-free (house style §3.2e). The proposals come from the same header mapper and value-mapping
proposer as ``tsunagu map`` (:mod:`tsunagu.normalize.headers`, :mod:`tsunagu.normalize.value_map`),
so the web and the CLI never disagree. Unlike ``tsunagu map --save`` (which never overrides the
department's own entries), a choice made on the screen is the department's own entry and wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

#: The layouts a department can choose (the schemas' own layout names).
LAYOUTS = ("current", "suisho2020")


@dataclass(frozen=True)
class ColumnRow:
    """One local column on the screen."""

    column: str
    current: str | None  # the saved mapping's target ("" = left out on purpose, None = none)
    mapped: bool  # the saved manifest says what it is
    proposal: str | None
    confidence: float
    samples: tuple[str, ...]
    #: Distinct values outside the enum of the chosen/proposed target, with a guess each.
    values: tuple[tuple[str, int, str | None], ...] = ()
    saved_values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MappingScreen:
    columns: tuple[ColumnRow, ...]
    fields: tuple[str, ...]  # the standard's field names, in the standard's order
    enums: dict[str, tuple[str, ...]]  # field → its allowed values
    layout: str
    standard: str
    layouts: tuple[str, ...] = ("current",)  # the layouts this standard has


def _read_source(manifest_path: Path, settings: Any) -> Any:
    """The manifest and the local table the screen shows: every source's rows together, so a
    column that only a second file of the dataset has is offered for mapping too (the mapping
    is the dataset's, shared by its files)."""
    from tsunagu.formats import read_file
    from tsunagu.formats.base import ReadOptions
    from tsunagu.manifest import load_manifest

    manifest = load_manifest(manifest_path)
    tables = []
    for spec in manifest.sources:
        options = ReadOptions(
            sheet=spec.sheet,
            header_row=spec.header_row,
            encoding=spec.encoding,
            layer=spec.layer,
            crs=spec.crs,
        )
        tables.append(read_file(spec.path, settings, options).table)
    if len(tables) == 1:
        return manifest, tables[0]
    import pandas as pd

    combined = pd.concat(tables, ignore_index=True)
    for name in combined.columns:  # a column one file lacks reads as empty, like a blank cell
        if combined[name].dtype == object:
            combined[name] = combined[name].fillna("")
    return manifest, combined


def mapping_screen(manifest_path: Path, settings: Any) -> MappingScreen:
    """Every local column with its saved mapping, the mapper's proposal and confidence, and for
    enum targets the values the standard does not allow (○ → 有)."""
    from tsunagu.normalize.headers import propose_mapping
    from tsunagu.normalize.value_map import propose_value_mappings
    from tsunagu.standards import load_registry

    manifest, table = _read_source(manifest_path, settings)
    layout = manifest.layout or "current"
    schema = load_registry(settings.schemas_dir).get(manifest.standard, layout)
    names = [str(c) for c in table.columns]
    proposals = {p.source: p for p in propose_mapping(names, schema)}
    enums = {
        name: tuple(str(v) for v in (schema.field(name).get("constraints") or {}).get("enum", ()))
        for name in schema.field_names
        if (schema.field(name).get("constraints") or {}).get("enum")
    }
    rows = []
    for name in names:
        proposal = proposals.get(name)
        saved = manifest.columns.get(name, "") if name in manifest.columns else None
        target = saved or (proposal.target if proposal else None)
        values: tuple[tuple[str, int, str | None], ...] = ()
        if target in enums:
            found = propose_value_mappings(table[name], schema.field(target))
            values = tuple((v.value, v.count, v.target) for v in found)
        series = table[name].astype(str).str.strip()
        samples = tuple(dict.fromkeys(v for v in series.head(50) if v))[:3]
        rows.append(
            ColumnRow(
                column=name,
                current=saved,
                mapped=name in manifest.columns,
                proposal=proposal.target if proposal else None,
                confidence=proposal.confidence if proposal else 0.0,
                samples=samples,
                values=values,
                saved_values=dict(manifest.values.get(name, {})),
            )
        )
    registry = load_registry(settings.schemas_dir)
    layouts = tuple(
        name
        for name in LAYOUTS
        if any(s.slug == manifest.standard and s.layout == name for s in registry.all())
    )
    return MappingScreen(
        tuple(rows), tuple(schema.field_names), enums, layout, manifest.standard, layouts
    )


def save_choices(
    manifest_path: Path,
    columns: dict[str, str | None],
    values: dict[str, dict[str, str]],
    layout: str,
) -> None:
    """Write the screen's choices into the manifest: ``columns`` (None = leave the column out),
    ``values`` (only non-empty targets) and ``layout``; everything else stays as it is."""
    if layout not in LAYOUTS:
        from tsunagu.errors import ManifestError

        raise ManifestError(
            f"layout {layout!r} is not one of {LAYOUTS}",
            message_ja=f"レイアウト「{layout}」は選べません（{', '.join(LAYOUTS)}）",
        )
    data = yaml.safe_load(manifest_path.read_text(encoding="utf-8")) or {}
    saved = dict(data.get("columns") or {})
    saved.update(columns)
    data["columns"] = saved
    kept = dict(data.get("values") or {})
    for column, mapping in values.items():
        chosen = {k: v for k, v in mapping.items() if v}
        if chosen:
            kept[column] = {**kept.get(column, {}), **chosen}
    if kept:
        data["values"] = kept
    data["layout"] = layout
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    tmp = manifest_path.with_name(f".{manifest_path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(manifest_path)
