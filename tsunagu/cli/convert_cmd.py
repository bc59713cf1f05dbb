"""``tsunagu convert``: valid datasets to the standard CSV, GeoJSON and a Data Package."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.progress import track

from tsunagu.cli.output import exit_code, print_outcomes
from tsunagu.cli.running import engine_option
from tsunagu.publisher.batch import Outcome, plan_jobs
from tsunagu.publisher.context import RunContext
from tsunagu.publisher.isolated import convert_isolated, group_by_dataset


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
    Each dataset runs isolated like a publish (its lock, a private folder) and its folder under
    OUT is replaced whole, so concurrent runs never mix files.
    """
    ctx = RunContext(
        settings=obj["settings"], out_dir=out, schema_slug=schema_slug, layout=layout, engine=engine
    )
    groups = group_by_dataset(list(plan_jobs(target, manifest)))
    description = "変換中" if obj["lang"] == "ja" else "Converting"
    outcomes: list[Outcome] = []
    for jobs in track(list(groups.values()), description=description, disable=len(groups) < 2):
        outcomes.extend(convert_isolated(jobs, ctx, out))
    print_outcomes(outcomes, obj["lang"], details=20 if len(outcomes) == 1 else 0)
    click.echo(("出力先: " if obj["lang"] == "ja" else "Outputs: ") + str(out))
    sys.exit(exit_code(outcomes))
