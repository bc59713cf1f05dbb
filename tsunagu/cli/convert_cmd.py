"""``tsunagu convert``: valid datasets to the standard CSV, GeoJSON and a Data Package."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tsunagu.cli.output import exit_code, print_outcomes
from tsunagu.cli.running import engine_option, run_target
from tsunagu.publisher.context import RunContext


@click.command("convert")
@click.argument("target", type=click.Path(exists=True, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--schema", "schema_slug", help="Standard schema slug for a single file.")
@click.option("--layout", type=click.Choice(["current", "suisho2020"]), help="Force the layout.")
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@engine_option
@click.pass_obj
def command(
    obj: dict,
    target: Path,
    out: Path,
    schema_slug: str | None,
    layout: str | None,
    manifest: Path | None,
    engine: str,
) -> None:
    """Convert TARGET (a file, a dataset.yaml, or a folder of them) into OUT/<dataset id>/.

    Invalid datasets get their reports but no outputs. Exit status as for validate.
    """
    ctx = RunContext(
        settings=obj["settings"], out_dir=out, schema_slug=schema_slug, layout=layout, engine=engine
    )
    outcomes = run_target(target, manifest, ctx, obj["lang"], ("変換中", "Converting"))
    print_outcomes(outcomes, obj["lang"], details=20 if len(outcomes) == 1 else 0)
    click.echo(("出力先: " if obj["lang"] == "ja" else "Outputs: ") + str(out))
    sys.exit(exit_code(outcomes))
