"""``tsunagu token``: issue, revoke and list department upload tokens.

The token is printed once, at creation, and never again: only its hash is stored, so a lost
token is revoked and a new one issued. ``list`` shows ids, departments and dates, never tokens.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from tsunagu.services.tokens import TokenStore

_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{1,99}")  # fullmatch: "$" accepts "slug\n"


def _store(obj: dict) -> TokenStore:
    from tsunagu.services.tokens import TokenStore

    settings = obj["settings"]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return TokenStore(settings.database)


def _audit(obj: dict, action: str, **details: str | int) -> None:
    """Token creation and revocation are in the same hash-chained log as publishes."""
    import getpass

    from tsunagu.publisher.audit import AuditLog

    AuditLog(obj["settings"].data_dir / "audit.jsonl").record(
        action, f"cli:{getpass.getuser()}", **details
    )


def _known_departments(obj: dict) -> set[str]:
    from tsunagu.manifest import load_municipality

    known: set[str] = set()
    for path in sorted(obj["settings"].datasets_dir.glob("*/municipality.yaml")):
        known.update(load_municipality(path).departments)
    return known


@click.group("token")
def command() -> None:
    """Department upload tokens (for the web app's /upload)."""


@command.command("create")
@click.argument("department")
@click.option("--note", default="", help="Who holds it, why (shown in `token list`).")
@click.pass_obj
def create(obj: dict, department: str, note: str) -> None:
    """Issue a token for DEPARTMENT (a slug) and print it once."""
    ja = obj["lang"] == "ja"
    if not _SLUG.fullmatch(department):
        raise click.BadParameter(
            "半角英小文字・数字・-・_ で書いてください" if ja else "use a-z, 0-9, - and _",
            param_hint="DEPARTMENT",
        )
    if department not in _known_departments(obj):
        click.echo(
            f"注意: 「{department}」は municipality.yaml の部署にありません"
            if ja
            else f'note: "{department}" is not a department in any municipality.yaml',
            err=True,
        )
    issued = _store(obj).create(department, note)
    _audit(obj, "token-created", token_id=issued.record.id, department=department)
    click.echo(issued.token)
    click.echo(
        f"id={issued.record.id} department={department} — "
        + (
            "このトークンは二度と表示されません。安全に渡してください。"
            if ja
            else "this token will not be shown again; hand it over safely."
        ),
        err=True,
    )


@command.command("revoke")
@click.argument("token_id_or_department")
@click.pass_obj
def revoke(obj: dict, token_id_or_department: str) -> None:
    """Revoke one token by id, or every token of a department; effective at once."""
    count = _store(obj).revoke(token_id_or_department)
    if count:
        _audit(obj, "token-revoked", target=token_id_or_department, count=count)
    ja = obj["lang"] == "ja"
    if count == 0:
        click.echo(
            "該当する有効なトークンはありません" if ja else "no active token matched", err=True
        )
        raise SystemExit(1)
    click.echo(f"{count} 件を無効にしました" if ja else f"revoked {count}")


@command.command("list")
@click.pass_obj
def list_tokens(obj: dict) -> None:
    """Token ids, departments, created and revoked dates (never the tokens)."""
    from rich.console import Console
    from rich.table import Table

    ja = obj["lang"] == "ja"
    table = Table(title="トークン" if ja else "Tokens")
    for header in ("id", "department", "created", "revoked", "note"):
        table.add_column(header)
    for record in _store(obj).list():
        table.add_row(
            record.id, record.department, record.created, record.revoked or "-", record.note
        )
    Console(width=140).print(table)
