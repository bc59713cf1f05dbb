"""``tsunagu describe FILE``: infer a Table Schema for a dataset no standard covers.

The department sees the proposal (types after 和暦 conversion, required columns, short closed
lists, units from headers) and confirms it once with ``--write``: it becomes ``schema.json``
beside the manifest, the dataset's contract that every later upload is checked against.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from tsunagu.formats.base import ReadOptions
from tsunagu.manifest import MANIFEST_NAME


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
    from tsunagu.services.describing import describe_file, statistics_of

    ja = obj["lang"] == "ja"
    options = _options(file, sheet, header_row)
    described = describe_file(file, obj["settings"], options, statistics_of(file.parent))
    if described.descriptor is None:
        for problem in described.problems:
            click.echo(problem.message("ja" if ja else "en"), err=True)
        sys.exit(2)
    descriptor = described.descriptor
    if as_json:
        click.echo(json.dumps(descriptor, ensure_ascii=False, indent=2))
    else:
        _show(descriptor, file, ja)
    if write:
        sys.exit(_write(file.parent, descriptor, ja))


def _options(file: Path, sheet: str | None, header_row: int | None) -> ReadOptions:
    """Reading choices: the flags, else those the folder's dataset.yaml gives for FILE."""
    from tsunagu.services.describing import manifest_data

    entry: dict[str, Any] = {}
    data = manifest_data(file.parent)
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
    from tsunagu.errors import TsunaguError
    from tsunagu.services.describing import write_contract

    try:
        target = write_contract(folder, descriptor)
    except TsunaguError as exc:
        click.echo(exc.message_ja if ja else exc.message_en, err=True)
        return 1
    click.echo(
        f"{target} を書きました（{MANIFEST_NAME} の schema: に記載）。"
        if ja
        else f"Wrote {target} (named by schema: in {MANIFEST_NAME}).",
    )
    return 0
