"""``tsunagu map``: propose how a file's columns map to a standard, and save the answer.

The department accepts the proposal once; it is written into the manifest's ``columns:`` and
reused on every re-upload, so a monthly file needs no new decisions.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import yaml
from rich.console import Console
from rich.table import Table

from tsunagu.errors import FormatError
from tsunagu.formats import read_file
from tsunagu.formats.base import ReadOptions


@click.command("map")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--schema", "schema_slug", required=True, help="Standard schema slug.")
@click.option("--layout", type=click.Choice(["current", "suisho2020"]), default="current")
@click.option("--sheet", help="Excel sheet name.")
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--save", is_flag=True, help="Write the proposal into the manifest's columns:.")
@click.option("--min-confidence", type=float, default=0.5, show_default=True)
@click.pass_obj
def command(obj: dict, file: Path, schema_slug: str, layout: str, sheet: str | None,
            manifest: Path | None, save: bool, min_confidence: float) -> None:  # fmt: skip
    """Propose a column mapping for FILE with a confidence per column."""
    from tsunagu.normalize.headers import propose_mapping
    from tsunagu.validators.schemas import load_registry

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
    if save:
        if manifest is None:
            raise click.UsageError("--save needs --manifest PATH")
        save_mapping(manifest, accepted)
        click.echo(f"保存しました / saved: {manifest}")


def save_mapping(manifest: Path, mapping: dict[str, str | None]) -> None:
    """Merge the accepted mapping into ``columns:``; the department's own entries win."""
    data = yaml.safe_load(manifest.read_text(encoding="utf-8")) or {}
    columns = dict(mapping)
    columns.update(data.get("columns") or {})
    data["columns"] = columns
    manifest.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
