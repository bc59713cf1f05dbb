"""Validate: Frictionless against the standard schema, plus our checks (see tsunagu.validators).

Runs whenever there is a table, even after normalization found errors, so the department sees
every problem of its file in one report instead of one round trip per problem.
"""

from __future__ import annotations

from typing import ClassVar

import pandas as pd

from tsunagu.model import Draft
from tsunagu.publisher.context import RunContext


class Validate:
    name: ClassVar[str] = "validate"
    needs_valid: ClassVar[bool] = False

    def run(self, draft: Draft, ctx: RunContext) -> Draft:
        if draft.table is None or draft.schema is None or "schema" not in draft.report.facts:
            return draft
        from tsunagu.validators.engine import validate_draft

        schema = (
            ctx.schemas_for(draft)
            .get(draft.schema)
            .with_fields(draft.report.facts.get("extra_columns"))
        )
        table = draft.table
        attrs = pd.DataFrame(table.drop(columns="geometry")) if "geometry" in table else table
        manifest = draft.manifest
        before = len(draft.report.problems)  # reading's and normalisation's own findings
        checked = validate_draft(
            draft.evolve(table=attrs),
            schema,
            ctx.settings,
            allow_personal_columns=manifest.allow_personal_columns if manifest else (),
            engine=ctx.engine,
        )
        from tsunagu.validators.grouping import settle_blank_required, settle_explained_cells

        settle_explained_cells(checked.report.problems, before)
        settle_blank_required(checked, schema.required_fields)
        self._mark_known(checked)
        return checked.evolve(table=table)

    @staticmethod
    def _mark_known(draft: Draft) -> None:
        """Note which blocking problems the manifest already documents (the demo's bad file)."""
        manifest = draft.manifest
        if manifest is None or not manifest.known_problems:
            return
        documented = {
            (str(k.get("code")), k.get("row"), k.get("column")) for k in manifest.known_problems
        }
        found = {(p.code, p.location.row, p.location.column) for p in draft.report.blocking}
        draft.report.facts["known_problems"] = {
            "documented": len(documented),
            "found": len(documented & found),
            "undocumented_blocking": len(found - documented),
        }
