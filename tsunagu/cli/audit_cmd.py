"""``tsunagu audit verify``: the audit log is intact and every published version is in it.

Two checks: the hash chain (an edited, inserted or deleted line breaks it), and that each
version the catalogue holds has its ``publish`` record (a version committed while the audit
append failed would otherwise be unaudited for ever, since a re-run says "unchanged").
Exit 0 when both hold, 1 when either fails, with every finding listed.
"""

from __future__ import annotations

import sys
from typing import Any

import click

PAGE = 1000


def _catalogue_versions(catalogue: Any) -> list[tuple[str, int]]:
    """(dataset id, version number) for every version of every dataset, paged."""
    found: list[tuple[str, int]] = []
    start = 0
    while True:
        page = catalogue.search(start=start, rows=PAGE)
        for record in page.results:
            found.extend(
                (record.meta.id, v.number) for v in catalogue.list_versions(record.meta.id)
            )
        start += len(page.results)
        if not page.results or start >= page.count:
            return found


@click.group("audit")
def command() -> None:
    """The hash-chained audit log (instance/audit.jsonl)."""


@command.command("verify")
@click.pass_obj
def verify(obj: dict) -> None:
    """Check the hash chain and that every catalogue version has its audit record."""
    from tsunagu.catalogue import open_catalogue
    from tsunagu.publisher.audit import AuditLog, verify_chain

    ja = obj["lang"] == "ja"
    settings = obj["settings"]
    path = settings.data_dir / "audit.jsonl"
    problems: list[str] = []
    if path.exists():
        broken = verify_chain(path)
        if broken is not None:
            problems.append(
                f"{path} の {broken} 行目でハッシュの連鎖が切れています（改ざんまたは欠落）"
                if ja
                else f"{path}: the hash chain breaks at line {broken} (edited or missing lines)"
            )
    entries = AuditLog(path).entries() if path.exists() else []
    audited = {(e.get("dataset"), e.get("version")) for e in entries if e["action"] == "publish"}
    catalogue = open_catalogue(settings, "local")
    versions = _catalogue_versions(catalogue)
    for dataset_id, number in versions:
        if (dataset_id, number) not in audited:
            problems.append(
                f"{dataset_id} 版 {number}: 監査記録がありません"
                if ja
                else f"{dataset_id} version {number}: no audit record"
            )
    for line in problems:
        click.echo(line)
    if problems:
        sys.exit(1)
    click.echo(
        f"監査ログは正常です（{len(entries)} 件、版 {len(versions)} 件すべて記録あり）"
        if ja
        else f"audit log intact: {len(entries)} records, all {len(versions)} versions audited"
    )
