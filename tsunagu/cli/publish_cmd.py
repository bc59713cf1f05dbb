"""``tsunagu publish``: validated datasets into the local catalogue or CKAN, all or nothing.

The target is checked first (a wrong token fails before any work); then every dataset runs the
pipeline, and only datasets whose every file is valid are written. The exit status says whether
any dataset was blocked.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import track
from rich.table import Table

from tsunagu.cli.running import engine_option
from tsunagu.errors import TsunaguError
from tsunagu.publisher.batch import Outcome
from tsunagu.publisher.context import RunContext
from tsunagu.publisher.publish import DatasetOutcome

SYMBOL = {"create": "+", "update": "~", "remove": "-", "unchanged": "="}


@click.command("publish")
@click.argument("target", type=click.Path(exists=True, path_type=Path), required=False)
@click.option("--catalogue", "catalogue_name", type=click.Choice(["local", "ckan"]))
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option("--actor", default="cli", show_default=True, help="Who publishes (audit log).")
@click.option(
    "--accept-schema",
    is_flag=True,
    help="Accept a changed file shape (schema drift) of datasets with their own schema: the "
    "schema is rewritten from the new file, the old one kept in schema-history/.",
)
@engine_option
@click.pass_obj
def command(
    obj: dict,
    target: Path | None,
    catalogue_name: str | None,
    dry_run: bool,
    actor: str,
    engine: str,
    accept_schema: bool = False,
) -> None:
    """Publish every dataset manifest in TARGET (default: the datasets folder)."""
    from tsunagu.catalogue import open_catalogue
    from tsunagu.publisher.batch import plan_jobs
    from tsunagu.publisher.isolated import group_by_dataset
    from tsunagu.services import publishing

    settings = obj["settings"]
    try:
        catalogue = open_catalogue(settings, catalogue_name)
        catalogue.check()
    except TsunaguError as exc:
        click.echo(exc.user_message, err=True)
        sys.exit(2)
    publishing.recover(settings, catalogue)
    ctx = RunContext(settings=settings, engine=engine, accept_schema=accept_schema and not dry_run)
    groups = group_by_dataset(list(plan_jobs(target or settings.datasets_dir)))
    description = "公開準備" if obj["lang"] == "ja" else "Preparing"
    results: list[tuple[str, DatasetOutcome | None, list[Outcome]]] = []
    for manifest_id, jobs in track(
        groups.items(), description=description, disable=len(groups) < 2
    ):
        manifest = jobs[0].manifest
        try:
            group, outcome = publishing.publish_run(
                settings, catalogue, jobs, ctx, actor=actor, dry_run=dry_run
            )
        except TsunaguError as exc:
            group = [Outcome(job.label, error=exc, manifest=job.manifest) for job in jobs]
            outcome = (
                DatasetOutcome(manifest, blocked_reason=exc.user_message) if manifest else None
            )
        results.append((manifest_id, outcome, group))
    _print(results, dry_run, obj["lang"])
    blocked = any(r is None or r.result is None for _, r, _ in results)
    sys.exit(1 if blocked else 0)


def _print(results: list, dry_run: bool, lang: str) -> None:
    ja = lang == "ja"
    title = (
        ("公開の差分（変更なし: dry-run）" if ja else "What would change (dry run)")
        if dry_run
        else ("公開結果" if ja else "Publish results")
    )
    table = Table(title=title)
    for header in ("dataset", "result", "resources", "version", "reason"):
        table.add_column(header, overflow="fold")
    for dataset_id, outcome, group in results:
        if outcome is None or outcome.result is None:
            reason = (
                (
                    outcome.blocked_reason
                    if ja
                    else outcome.blocked_reason_en or outcome.blocked_reason
                )
                if outcome
                else (group[0].error.user_message if group[0].error else "")
            )
            table.add_row(dataset_id, "[red]blocked[/]", "", "", reason or "")
            continue
        r = outcome.result
        resources = " ".join(f"{SYMBOL[c.action]}{c.key}" for c in r.resources)
        label = {"create": "created", "update": "updated", "unchanged": "unchanged"}[r.action]
        if dry_run and r.action != "unchanged":
            label = f"would be {label}"
        table.add_row(dataset_id, label, resources, str(r.version or ""), "")
    Console().print(table)
