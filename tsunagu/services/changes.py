"""What a new version changes against the published one: columns and rows.

Flask-free (house style §3.2e) so the web preview, the publish check and the CLI can share it.
"Never lose data silently": :attr:`ChangeSummary.needs_confirmation` is true when a version
drops columns or most of its rows, and the publishing face must then ask for an explicit yes.
Rows are compared by the primary key when both versions have it, else by position; both files
are read as text (polars, every column ``Utf8``) so a type change never hides a value change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

#: A version keeping fewer than this share of the published rows needs an explicit confirmation.
MIN_KEPT_SHARE = 0.5


@dataclass(frozen=True)
class Table:
    """One version's rows as text, its column order, field types and primary key."""

    columns: tuple[str, ...]
    rows: tuple[dict[str, str], ...]
    types: dict[str, str] = field(default_factory=dict)
    key: tuple[str, ...] = ()

    @classmethod
    def read_csv(
        cls, path: Path, schema: dict[str, Any] | None = None, n_rows: int | None = None
    ) -> Table:
        """A published or converted CSV (UTF-8, header on line 1), with its Table Schema;
        ``n_rows`` reads only the first rows (a preview)."""
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy", n_rows=n_rows)
        frame = frame.fill_null("")
        fields = (schema or {}).get("fields") or []
        types = {str(f["name"]): str(f.get("type", "string")) for f in fields if "name" in f}
        key = (schema or {}).get("primaryKey") or ()
        key = (key,) if isinstance(key, str) else tuple(key)
        return cls(tuple(frame.columns), tuple(frame.iter_rows(named=True)), types, key)


@dataclass(frozen=True)
class ChangeSummary:
    """Columns added/removed/renamed, types changed, rows added/removed/changed."""

    columns_added: tuple[str, ...]
    columns_removed: tuple[str, ...]
    columns_renamed: tuple[tuple[str, str], ...]
    types_changed: tuple[tuple[str, str, str], ...]  # (column, old type, new type)
    rows_before: int
    rows_after: int
    rows_added: int
    rows_removed: int
    rows_changed: int
    compared_by: str  # "key" or "position"

    @property
    def needs_confirmation(self) -> bool:
        """A loss the department must confirm: a column gone, or most rows gone."""
        return bool(self.columns_removed) or self.loses_most_rows

    @property
    def loses_most_rows(self) -> bool:
        return self.rows_before > 0 and self.rows_after < self.rows_before * MIN_KEPT_SHARE

    @property
    def unchanged(self) -> bool:
        return not (
            self.columns_added
            or self.columns_removed
            or self.columns_renamed
            or self.types_changed
            or self.rows_added
            or self.rows_removed
            or self.rows_changed
        )

    def to_dict(self) -> dict[str, Any]:
        """For ``status.json`` (JSON-safe) and the templates."""
        return {
            "columns_added": list(self.columns_added),
            "columns_removed": list(self.columns_removed),
            "columns_renamed": [list(p) for p in self.columns_renamed],
            "types_changed": [list(t) for t in self.types_changed],
            "rows_before": self.rows_before,
            "rows_after": self.rows_after,
            "rows_added": self.rows_added,
            "rows_removed": self.rows_removed,
            "rows_changed": self.rows_changed,
            "compared_by": self.compared_by,
            "needs_confirmation": self.needs_confirmation,
            "loses_most_rows": self.loses_most_rows,
        }


def _renamed(old: Table, new: Table, removed: list[str], added: list[str]) -> list[tuple[str, str]]:
    """A removed and an added column holding the same values in the same rows is a rename."""
    pairs: list[tuple[str, str]] = []
    if len(old.rows) != len(new.rows) or not old.rows:
        return pairs
    for gone in removed:
        values = [r[gone] for r in old.rows]
        for came in added:
            if came not in {b for _, b in pairs} and [r[came] for r in new.rows] == values:
                pairs.append((gone, came))
                break
    return pairs


def summarize(old: Table, new: Table) -> ChangeSummary:
    """Compare the published version ``old`` with the candidate ``new``."""
    removed = [c for c in old.columns if c not in new.columns]
    added = [c for c in new.columns if c not in old.columns]
    renamed = _renamed(old, new, removed, added)
    removed = [c for c in removed if c not in {a for a, _ in renamed}]
    added = [c for c in added if c not in {b for _, b in renamed}]
    shared = [c for c in old.columns if c in new.columns]
    types = [
        (c, old.types[c], new.types[c])
        for c in shared
        if c in old.types and c in new.types and old.types[c] != new.types[c]
    ]
    key = old.key if old.key and old.key == new.key else ()
    if key and all(k in shared for k in key):
        before = {tuple(r[k] for k in key): r for r in old.rows}
        after = {tuple(r[k] for k in key): r for r in new.rows}
        compared_by = "key"
    else:
        before = {(str(i),): r for i, r in enumerate(old.rows)}
        after = {(str(i),): r for i, r in enumerate(new.rows)}
        compared_by = "position"
    changed = sum(
        1 for k, row in after.items() if k in before and any(before[k][c] != row[c] for c in shared)
    )
    return ChangeSummary(
        columns_added=tuple(added),
        columns_removed=tuple(removed),
        columns_renamed=tuple(renamed),
        types_changed=tuple(types),
        rows_before=len(old.rows),
        rows_after=len(new.rows),
        rows_added=sum(1 for k in after if k not in before),
        rows_removed=sum(1 for k in before if k not in after),
        rows_changed=changed,
        compared_by=compared_by,
    )


def datapackage_schema(path: Path | None, kind: str = "csv") -> dict[str, Any] | None:
    """The Table Schema of the ``kind`` resource in a datapackage.json (None when absent)."""
    import json

    if path is None or not path.is_file():
        return None
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    for resource in descriptor.get("resources", []):
        if resource.get("name") == kind and isinstance(resource.get("schema"), dict):
            return dict(resource["schema"])
    return None


def published_table(catalogue: Any, dataset_id: str, source: str = "main") -> Table | None:
    """The published version's CSV of one source (``main``, or a part's key) with its schema;
    None for a dataset or source not yet published (or one without a CSV, e.g. an unreadable
    first version)."""
    from tsunagu.errors import DatasetNotFound, TsunaguError

    prefix = "" if source == "main" else f"{source}-"
    try:
        csv_path, _ = catalogue.open_file(dataset_id, f"{prefix}csv")
    except (DatasetNotFound, TsunaguError, FileNotFoundError):
        return None
    try:
        package, _ = catalogue.open_file(dataset_id, f"{prefix}datapackage")
    except (TsunaguError, FileNotFoundError):
        package = None
    return Table.read_csv(csv_path, datapackage_schema(package))


def compare_with_published(
    catalogue: Any,
    dataset_id: str,
    csv_path: Path,
    datapackage: Path | None,
    source: str = "main",
) -> ChangeSummary | None:
    """The candidate CSV of one source against what is published now for that source; None
    when nothing is published for it."""
    old = published_table(catalogue, dataset_id, source)
    if old is None:
        return None
    return summarize(old, Table.read_csv(csv_path, datapackage_schema(datapackage)))
