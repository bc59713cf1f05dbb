"""Drift: a file of a dataset with its own schema must still have the contract's shape.

Runs at the start of normalize (not a step of its own: the upload page's progress lists the
steps a department recognises), on the file as the department wrote it: a column added,
removed or renamed, or a column whose values no longer fit its type, is a ``schema-drift``
error, so nothing changes shape silently. With ``--accept-schema`` the department accepts the
new shape instead: the contract is rewritten from this file (the old one kept under
``schema-history/``) and the run goes on against the new contract.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from tsunagu.errors import Location, Severity
from tsunagu.model import Draft
from tsunagu.publisher.context import RunContext

HISTORY = "schema-history"


class Drift:
    name: ClassVar[str] = "drift"
    needs_valid: ClassVar[bool] = False

    def run(self, draft: Draft, ctx: RunContext) -> Draft:
        manifest = draft.manifest
        path: Path | None = getattr(manifest, "own_schema", None)
        if path is None or draft.table is None:
            return draft
        if not draft.table.columns.is_unique:
            # Duplicate header names are already an error of the read (header-duplicate); a
            # drift against them would compare two columns under one name (and used to crash).
            return draft
        from tsunagu.standards import read_descriptor
        from tsunagu.validators.describe import compare

        contract = read_descriptor(path)
        table = draft.table
        columns = [str(c) for c in table.columns if str(c) != "geometry"]
        drifts = compare(contract, columns, table)
        if not drifts:
            return draft
        changes = [{"change": d.change, "column": d.column, "detail": d.detail} for d in drifts]
        if ctx.accept_schema:
            kept = accept(path, contract, table, draft.source.name)
            draft.report.facts["schema_accepted"] = {"changes": changes, "previous": kept.name}
            draft.report.add(
                "schema-drift-accepted",
                Severity.INFO,
                Location(file=draft.source.name),
                changes=_summary(drifts),
                previous=f"{HISTORY}/{kept.name}",
            )
            return draft
        draft.report.facts["schema_drift"] = changes
        for d in drifts:
            draft.report.add(
                f"schema-drift-{d.change}",
                Severity.ERROR,
                Location(file=draft.source.name, column=d.column),
                detail=d.detail,
                schema=path.name,
            )
        return draft


def _summary(drifts: list) -> str:
    return "、".join(
        f"{d.change}: {d.column}" + (f" ({d.detail})" if d.detail else "") for d in drifts
    )


def accept(path: Path, contract: dict, table: Any, source_name: str) -> Path:
    """Write the accepted schema over ``path``; the previous contract is kept, never lost."""
    from tsunagu.validators.describe import infer_schema, merge

    history = path.parent / HISTORY
    history.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    kept = history / f"{path.stem}-{stamp}{path.suffix}"
    kept.write_bytes(path.read_bytes())
    accepted = merge(contract, infer_schema(table, source_name))
    text = json.dumps(accepted, ensure_ascii=False, indent=2) + "\n"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)  # whole or not at all: a half-written contract would block every upload
    return kept
