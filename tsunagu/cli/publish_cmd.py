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
from rich.table import Table

from tsunagu.cli.running import engine_option, run_target
from tsunagu.errors import TsunaguError
from tsunagu.publisher.batch import Outcome
from tsunagu.publisher.pipeline import RunContext
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
    from tsunagu.publisher.audit import AuditLog
    from tsunagu.publisher.publish import publish_dataset
    from tsunagu.validators.schemas import load_registry

    settings = obj["settings"]
    try:
        catalogue = open_catalogue(settings, catalogue_name)
        catalogue.check()
    except TsunaguError as exc:
        click.echo(exc.user_message, err=True)
        sys.exit(2)
    work = settings.data_dir / "work"
    ctx = RunContext(
        settings=settings, out_dir=work, engine=engine, accept_schema=accept_schema and not dry_run
    )
    outcomes = run_target(
        target or settings.datasets_dir, None, ctx, obj["lang"], ("公開準備", "Preparing")
    )
    registry = load_registry(settings.schemas_dir)
    audit = AuditLog(settings.data_dir / "audit.jsonl")
    _audit_accepted(audit, outcomes, actor)
    results = []
    for manifest_id, group in _by_dataset(outcomes).items():
        manifest = group[0].manifest
        if manifest is None:
            results.append((manifest_id, None, group))
            continue
        title = _standard_title(registry, manifest.standard)
        try:
            results.append(
                (
                    manifest_id,
                    publish_dataset(
                        catalogue,
                        manifest,
                        group,
                        standard_title=title,
                        audit=audit,
                        actor=actor,
                        dry_run=dry_run,
                        lock_dir=settings.data_dir / "locks",
                    ),
                    group,
                )
            )
        except TsunaguError as exc:
            results.append(
                (manifest_id, DatasetOutcome(manifest, blocked_reason=exc.user_message), group)
            )
    _print(results, dry_run, obj["lang"])
    blocked = any(r is None or r.result is None for _, r, _ in results)
    sys.exit(1 if blocked else 0)


def _audit_accepted(audit, outcomes: list[Outcome], actor: str) -> None:
    """A department's accepted schema change is a decision: it goes to the audit log."""
    for outcome in outcomes:
        accepted = outcome.draft.report.facts.get("schema_accepted") if outcome.draft else None
        if accepted and outcome.manifest is not None:
            audit.record(
                "schema-accepted", actor, dataset=outcome.manifest.id, file=outcome.label,
                **accepted,
            )  # fmt: skip


def _standard_title(registry, slug: str) -> str:
    try:
        return registry.get(slug).title_ja
    except TsunaguError:
        return slug


def _by_dataset(outcomes: list[Outcome]) -> dict[str, list[Outcome]]:
    groups: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        key = outcome.manifest.id if outcome.manifest else outcome.label
        groups.setdefault(key, []).append(outcome)
    return groups


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
                outcome.blocked_reason
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
