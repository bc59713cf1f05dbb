"""``tsunagu report``: the EBPM indicators in the terminal, as CSV/xlsx, or published.

The same figures as ``/dashboard`` (both call :func:`tsunagu.indicators.compute.compute` on the
same recorded facts). ``--publish`` writes them to the catalogue as the open dataset
``tsunagu-indicators``; run it daily (cron or a systemd timer, see README).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from tsunagu.errors import TsunaguError


@click.command("report")
@click.option(
    "--from", "start", metavar="YYYY-MM-DD", help="First day (default: 29 days before --to)."
)
@click.option("--to", "end", metavar="YYYY-MM-DD", help="Last day (default: today, UTC).")
@click.option("--department", help="Only this department (its slug).")
@click.option(
    "--csv",
    "csv_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the indicator table (the open-data CSV) here.",
)
@click.option(
    "--xlsx",
    "xlsx_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a workbook (one sheet per section) here.",
)
@click.option(
    "--publish",
    is_flag=True,
    help="Publish the indicators to the catalogue as the dataset tsunagu-indicators.",
)
@click.pass_obj
def command(
    obj: dict,
    start: str | None,
    end: str | None,
    department: str | None,
    csv_out: Path | None,
    xlsx_out: Path | None,
    publish: bool,
) -> None:
    """Print the open-data programme's indicators (coverage, quality, freshness, use,
    responsiveness) for a period."""
    from tsunagu.catalogue import open_catalogue
    from tsunagu.indicators.compute import compute, parse_day
    from tsunagu.indicators.gather import gather
    from tsunagu.indicators.opendata import publish_indicators, write_csv
    from tsunagu.indicators.tables import sections, write_xlsx

    settings, lang = obj["settings"], obj["lang"]
    console = Console()
    try:
        first, last = parse_day(start, "--from"), parse_day(end, "--to")
        catalogue = open_catalogue(settings)
        ind = compute(gather(settings, catalogue), start=first, end=last, department=department)
        if department and department not in {d.slug for d in ind.departments}:
            known = ", ".join(d.slug for d in ind.departments)
            raise click.BadParameter(
                f"no department {department!r}; known: {known}"
                if lang == "en"
                else f"部署「{department}」はありません（{known}）",
                param_hint="--department",
            )
        period = f"{ind.period.start.isoformat()} – {ind.period.end.isoformat()}"
        console.print(("集計期間 " if lang == "ja" else "Period ") + period)
        for section in sections(ind, lang):
            table = Table(title=section.title)
            for name in section.header:
                table.add_column(name, overflow="fold")
            for row in section.rows:
                table.add_row(*(str(v) for v in row))
            console.print(table)
        if csv_out:
            write_csv(ind, csv_out)
            console.print(f"CSV: {csv_out}")
        if xlsx_out:
            write_xlsx(ind, xlsx_out, lang)
            console.print(f"xlsx: {xlsx_out}")
        if publish:
            if department or first or last:
                raise click.UsageError(
                    "--publish publishes the whole city's last 30 days;"
                    " drop --department, --from and --to"
                    if lang == "en"
                    else "--publish は市全体の直近30日を公開します。"
                    "--department・--from・--to は外してください"
                )
            municipality = (settings.municipality_code, settings.municipality_name)
            result = publish_indicators(
                catalogue, ind, settings.data_dir / "work" / "indicators", municipality=municipality
            )
            version = f" (version {result.version})" if result.version else ""
            console.print(f"tsunagu-indicators: {result.action}{version}")
    except OSError as exc:
        click.echo(f"{exc.filename or ''}: {exc.strerror}", err=True)
        sys.exit(2)
    except TsunaguError as exc:
        click.echo(exc.message_ja if lang == "ja" else exc.message_en, err=True)
        sys.exit(2)
