"""``tsunagu describe FILE``: infer a Table Schema for a dataset no standard covers.

The department sees the proposal (types after 和暦 conversion, required columns, short closed
lists, units from headers) and confirms it once with ``--write``: it becomes ``schema.json``
beside the manifest, the dataset's contract that every later upload is checked against.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import yaml
from rich.console import Console
from rich.table import Table

from tsunagu.formats.base import ReadOptions
from tsunagu.manifest import MANIFEST_NAME

SCHEMA_NAME = "schema.json"

if TYPE_CHECKING:
    from tsunagu.manifest import StatisticsSpec


@click.command("describe")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sheet", help="Excel sheet name.")
@click.option("--header-row", type=int, help="1-based header row (default: detected).")
@click.option(
    "--write",
    "--yes",
    "write",
    is_flag=True,
    help="Confirm: write schema.json beside FILE and name it in dataset.yaml (schema:).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the schema as JSON.")
@click.pass_obj
def command(
    obj: dict, file: Path, sheet: str | None, header_row: int | None, write: bool, as_json: bool
) -> None:
    """Infer a Table Schema from FILE's normalised data; --write makes it the contract."""
    from tsunagu.model import Draft, Source
    from tsunagu.publisher.context import RunContext
    from tsunagu.publisher.steps.read import Read
    from tsunagu.validators.describe import infer_schema

    ja = obj["lang"] == "ja"
    options = _options(file, sheet, header_row)
    ctx = RunContext(settings=obj["settings"], read_options=options)
    draft = Read().run(Draft(source=Source(path=file)), ctx)
    if draft.table is None or draft.report.facts.get("unreadable"):
        for problem in draft.report.problems:
            click.echo(problem.message("ja" if ja else "en"), err=True)
        sys.exit(2)
    table = draft.table
    spec = _statistics(file)
    if spec is not None:  # the same flattening, totals and placeholders as publishing applies
        from tsunagu.normalize.stat_tables import apply_statistics

        table = apply_statistics(table, spec, draft.report, file.name)
    descriptor = infer_schema(table, file.name)
    if as_json:
        click.echo(json.dumps(descriptor, ensure_ascii=False, indent=2))
    else:
        _show(descriptor, file, ja)
    if write:
        sys.exit(_write(file.parent, descriptor, ja))


def _statistics(file: Path) -> StatisticsSpec | None:
    """The folder's dataset.yaml ``statistics:`` (header rows, totals, placeholders, shape), if
    any: with ``shape: long`` the schema is the long table's, the shape that is published."""
    from tsunagu.manifest import StatisticsSpec

    data = _manifest_data(file)
    raw = data.get("statistics")
    return StatisticsSpec.parse(raw) if isinstance(raw, dict) else None


def _manifest_data(file: Path) -> dict[str, Any]:
    manifest = file.parent / MANIFEST_NAME
    if not manifest.is_file():
        return {}
    try:
        data = yaml.safe_load(manifest.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}  # validate/publish report a broken manifest; describe only reads FILE
    return data if isinstance(data, dict) else {}


def _options(file: Path, sheet: str | None, header_row: int | None) -> ReadOptions:
    """Reading choices: the flags, else those the folder's dataset.yaml gives for FILE."""
    entry: dict[str, Any] = {}
    data = _manifest_data(file)
    sources = data.get("sources", data.get("source"))
    for item in sources if isinstance(sources, list) else [sources]:
        if isinstance(item, dict) and str(item.get("path")) == file.name:
            entry = item
    return ReadOptions(
        sheet=sheet or entry.get("sheet"),
        header_row=header_row or entry.get("header_row"),
        encoding=entry.get("encoding"),
        layer=entry.get("layer"),
        crs=entry.get("crs"),
    )


def _show(descriptor: dict[str, Any], file: Path, ja: bool) -> None:
    table = Table(title=f"{file.name}: {'推定したスキーマ' if ja else 'inferred schema'}")
    for header in ("列 / column", "型 / type", "必須 / required", "値の一覧 / enum", "単位 / unit"):
        table.add_column(header, overflow="fold")
    for field in descriptor["fields"]:
        constraints = field.get("constraints", {})
        kind = field["type"]
        if field.get("x-written"):
            kind += f" ({', '.join(field['x-written'])})"
        table.add_row(
            field["name"],
            kind,
            "✓" if constraints.get("required") else "",
            "、".join(constraints.get("enum", [])),
            field.get("x-unit", ""),
        )
    Console().print(table)


def _write(folder: Path, descriptor: dict[str, Any], ja: bool) -> int:
    """Write the contract and name it in the manifest; never replace an existing contract."""
    target = folder / SCHEMA_NAME
    manifest = folder / MANIFEST_NAME
    data: dict[str, Any] = {}
    if manifest.is_file():
        data = yaml.safe_load(manifest.read_text(encoding="utf-8")) or {}
    if isinstance(data, dict) and data.get("standard"):
        click.echo(
            f"{manifest}: standard: {data['standard']} — この データセットは標準に従っています。"
            "独自スキーマにするなら standard: を消してから実行してください。"
            if ja
            else f"{manifest}: the dataset follows the standard {data['standard']}; remove "
            "standard: first to give it its own schema.",
            err=True,
        )
        return 1
    if target.exists():
        click.echo(
            f"{target} はすでにこのデータセットの契約（スキーマ）です。変更は tsunagu publish "
            "--accept-schema で承認してください（以前のものは schema-history/ に残ります）。"
            if ja
            else f"{target} is already this dataset's contract; accept a change with "
            "tsunagu publish --accept-schema (the old one is kept in schema-history/).",
            err=True,
        )
        return 1
    target.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", "utf-8")
    named = isinstance(data, dict) and data.get("schema")
    if manifest.is_file() and not named:
        text = manifest.read_text(encoding="utf-8")
        manifest.write_text(
            text + ("" if text.endswith("\n") else "\n") + f"schema: {SCHEMA_NAME}\n", "utf-8"
        )
    click.echo(
        f"{target} を書きました（{MANIFEST_NAME} の schema: に記載）。"
        if ja
        else f"Wrote {target} (named by schema: in {MANIFEST_NAME}).",
    )
    return 0
