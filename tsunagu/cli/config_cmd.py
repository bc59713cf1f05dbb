"""``tsunagu config``: show the effective settings and check them (secrets redacted)."""

from __future__ import annotations

import sys
from dataclasses import fields

import click
from rich.console import Console
from rich.table import Table

from tsunagu.config import Settings


@click.group("config")
def command() -> None:
    """Inspect and check the settings."""


@command.command("check")
@click.pass_obj
def check(obj: dict) -> None:
    """Print every setting with its source value and help; exit 1 if something is off."""
    settings: Settings = obj["settings"]
    table = Table(title="Settings")
    for header in ("setting", "value", "help"):
        table.add_column(header, overflow="fold")
    for f in fields(Settings):
        value = getattr(settings, f.name)
        shown = "(set)" if f.metadata.get("secret") and value else str(value)
        table.add_row(f.name, shown, f.metadata["help"])
    Console().print(table)
    problems = []
    if not settings.schemas_dir.is_dir():
        problems.append(f"schemas_dir does not exist: {settings.schemas_dir}")
    if settings.catalogue == "ckan" and not (settings.ckan_url and settings.ckan_token):
        problems.append("catalogue=ckan needs TSUNAGU_CKAN_URL and TSUNAGU_CKAN_TOKEN")
    for p in problems:
        click.echo(f"NG: {p}", err=True)
    sys.exit(1 if problems else 0)
