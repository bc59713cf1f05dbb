"""``tsunagu schemas``: the standard datasets Tsunagu knows, with both layouts."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table


@click.command("schemas")
@click.pass_obj
def command(obj: dict) -> None:
    """List the standard dataset schemas (slug, titles, version, layouts)."""
    from tsunagu.standards import load_registry

    registry = load_registry(obj["settings"].schemas_dir)
    table = Table(title="自治体標準オープンデータセット / standard datasets")
    for header in ("slug", "名称", "title", "version", "layouts"):
        table.add_column(header)
    for row in registry.rows():
        table.add_row(
            row["slug"], row["title_ja"], row["title_en"], str(row["version"]), row["layouts"]
        )
    Console().print(table)
