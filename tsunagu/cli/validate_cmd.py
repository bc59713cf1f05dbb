"""``tsunagu validate``: a department's file (or a folder of manifests) against its standard."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tsunagu.cli.output import exit_code, print_outcomes
from tsunagu.cli.running import engine_option, run_target
from tsunagu.formats.base import ReadOptions
from tsunagu.publisher.context import RunContext

if TYPE_CHECKING:
    from tsunagu.model import Draft


@click.command("validate")
@click.argument("target", type=click.Path(exists=True, path_type=Path))
@click.option("--schema", "schema_slug", help="Standard schema slug (see `tsunagu schemas`).")
@click.option("--layout", type=click.Choice(["current", "suisho2020"]), help="Force the layout.")
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sheet", help="Excel sheet name (default: the first visible sheet).")
@click.option("--encoding", help="Force the text encoding (default: detected).")
@click.option("--header-row", type=int, help="1-based header row (default: detected).")
@click.option("--report-html", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--report-json", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--report-xlsx", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Reports per dataset."
)
@engine_option
@click.option("--details", type=int, default=20, show_default=True, help="Problems to print.")
@click.pass_obj
def command(obj: dict, target: Path, schema_slug: str | None, layout: str | None,
            manifest: Path | None, sheet: str | None, encoding: str | None, header_row: int | None,
            report_html: Path | None, report_json: Path | None, report_xlsx: Path | None,
            out: Path | None, engine: str, details: int) -> None:  # fmt: skip
    """Validate TARGET (a file, a dataset.yaml, or a folder of them).

    Exit status: 0 valid, 1 invalid, 2 unreadable input or usage error.
    """
    ctx = RunContext(
        settings=obj["settings"],
        out_dir=out,
        schema_slug=schema_slug,
        layout=layout,
        write_outputs=False,
        read_options=ReadOptions(sheet=sheet, encoding=encoding, header_row=header_row),
        engine=engine,
    )
    outcomes = run_target(target, manifest, ctx, obj["lang"], ("検証中", "Validating"))
    print_outcomes(outcomes, obj["lang"], details=details if len(outcomes) == 1 else 0)
    if len(outcomes) == 1 and outcomes[0].draft is not None:
        _write_reports(outcomes[0].draft, report_html, report_json, report_xlsx)
    sys.exit(exit_code(outcomes))


def _write_reports(
    draft: Draft, html: Path | None, json_path: Path | None, xlsx: Path | None
) -> None:
    if html:
        from tsunagu.validators.report_html import write_html

        write_html(draft, html)
    if json_path:
        from tsunagu.validators.report_json import write_json

        write_json(draft, json_path)
    if xlsx and draft.raw_table is not None:
        from tsunagu.validators.report_xlsx import write_annotated_xlsx

        write_annotated_xlsx(draft, xlsx)
