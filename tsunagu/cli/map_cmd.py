"""``tsunagu map``: propose how a file's columns map to a standard, and save the answer.

The department accepts the proposal once; it is written into the manifest's ``columns:`` and
reused on every re-upload, so a monthly file needs no new decisions.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import yaml
from rich.console import Console
from rich.table import Table

from tsunagu.errors import FormatError
from tsunagu.formats import read_file
from tsunagu.formats.base import ReadOptions

if TYPE_CHECKING:
    import pandas as pd


@click.command("map")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--schema", "schema_slug", required=True, help="Standard schema slug.")
@click.option("--layout", type=click.Choice(["current", "suisho2020"]), default="current")
@click.option("--sheet", help="Excel sheet name.")
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--save",
    is_flag=True,
    help="Write the proposal into the manifest's columns: and values: (creating dataset.yaml "
    "beside FILE when there is none).",
)
@click.option("--department", help="Department slug for a manifest --save creates.")
@click.option("--min-confidence", type=float, default=0.5, show_default=True)
@click.pass_obj
def command(obj: dict, file: Path, schema_slug: str, layout: str, sheet: str | None,
            manifest: Path | None, save: bool, department: str | None,
            min_confidence: float) -> None:  # fmt: skip
    """Propose a column mapping for FILE with a confidence per column."""
    from tsunagu.normalize.headers import propose_mapping
    from tsunagu.standards import load_registry

    settings = obj["settings"]
    schema = load_registry(settings.schemas_dir).get(schema_slug, layout)
    try:
        draft = read_file(file, settings, ReadOptions(sheet=sheet))
    except FormatError as exc:
        click.echo(exc.user_message, err=True)
        sys.exit(2)
    proposals = propose_mapping([str(c) for c in draft.table.columns], schema)
    table = Table(title=f"{file.name} → {schema_slug} ({layout})")
    for header in ("列 / column", "標準 / standard", "確度 / confidence", "方法 / method"):
        table.add_column(header)
    for p in proposals:
        table.add_row(p.source, p.target or "—", f"{p.confidence:.0%}", p.method or "—")
    Console().print(table)
    accepted = {
        p.source: p.target for p in proposals if p.target and p.confidence >= min_confidence
    }
    missing = [f for f in schema.required_fields if f not in accepted.values()]
    if missing:
        click.echo("必須列が未対応 / required columns not mapped: " + ", ".join(missing))
    values = _propose_values(draft.table, accepted, schema)
    splits = _propose_splits(draft.table, accepted, schema)
    if save:
        if manifest is None:
            manifest = file.parent / "dataset.yaml"
            if not manifest.exists():
                create_manifest(manifest, file, schema_slug, layout, department)
                click.echo(f"作成しました / created: {manifest}")
        save_mapping(manifest, {**accepted, **splits}, values)
        click.echo(f"保存しました / saved: {manifest}")


def _propose_values(
    table: pd.DataFrame, accepted: dict[str, str], schema: Any
) -> dict[str, dict[str, str]]:
    """Print the value mappings proposed for enum columns (with counts); return the sure ones."""
    from tsunagu.normalize.value_map import propose_value_mappings

    sure: dict[str, dict[str, str]] = {}
    rows = []
    for column, target in accepted.items():
        for proposal in propose_value_mappings(table[column], schema.field(target)):
            shown = "—" if proposal.target is None else repr(proposal.target)
            rows.append((column, proposal.value, str(proposal.count), shown))
            if proposal.target is not None:
                sure.setdefault(column, {})[proposal.value] = proposal.target
    if rows:
        table_out = Table(title="値の対応 / value mappings (values:)")
        for header in ("列 / column", "値 / value", "件数 / count", "標準の値 / standard"):
            table_out.add_column(header)
        for row in rows:
            table_out.add_row(*row)
        Console().print(table_out)
    return sure


def _propose_splits(table: pd.DataFrame, accepted: dict[str, str], schema: Any) -> dict[str, list]:
    """A column holding both coordinates (34.34,134.04) where the standard has 緯度/経度 that no
    column fills: propose splitting it, in the order its values are written."""
    from tsunagu.normalize.combined_coordinates import recognise

    if not {"緯度", "経度"} <= set(schema.field_names) or {"緯度", "経度"} & set(accepted.values()):
        return {}
    for column in table.columns:
        if str(column) in accepted:
            continue
        found = recognise(str(column), table[column])
        if found is not None:
            click.echo(
                f"座標の分割 / split coordinates: {column} → [{', '.join(found.order)}] "
                f"({found.matched}/{found.filled})"
            )
            return {str(column): list(found.order)}
    return {}


def create_manifest(
    manifest: Path, file: Path, schema_slug: str, layout: str, department: str | None
) -> None:
    """A minimal dataset.yaml beside the file, for the department to complete (title, tags).

    The department comes from --department, or from municipality.yaml when it lists just one.
    """
    from tsunagu.manifest import MUNICIPALITY_NAME, load_municipality

    if department is None:
        found = next(
            (
                p / MUNICIPALITY_NAME
                for p in file.resolve().parents
                if (p / MUNICIPALITY_NAME).is_file()
            ),
            None,
        )
        known = sorted(load_municipality(found).departments) if found else []
        if len(known) != 1:
            raise click.UsageError(
                "--save creates dataset.yaml and needs --department SLUG"
                + (f" (one of {', '.join(known)})" if known else "")
            )
        department = known[0]
    slug = re.sub(r"[^a-z0-9]+", "-", file.stem.lower()).strip("-")
    data = {
        "id": slug if len(slug) >= 2 else f"{schema_slug}-{slug or 'data'}",
        "title": {"ja": file.stem, "en": file.stem},
        "department": department,
        "standard": schema_slug,
        "layout": layout,
        "sources": [{"path": file.name}],
    }
    manifest.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def save_mapping(
    manifest: Path,
    mapping: dict[str, Any],
    values: dict[str, dict[str, str]] | None = None,
) -> None:
    """Merge the accepted mapping into ``columns:`` and the sure value mappings into
    ``values:``; the department's own entries win."""
    data = yaml.safe_load(manifest.read_text(encoding="utf-8")) or {}
    columns = dict(mapping)
    columns.update(data.get("columns") or {})
    data["columns"] = columns
    if values:
        merged = {column: dict(v) for column, v in values.items()}
        for column, own in (data.get("values") or {}).items():
            merged.setdefault(column, {}).update(own)
        data["values"] = merged
    manifest.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
