"""Write the validation report (JSON, HTML, annotated .xlsx) for every draft, valid or not.

Departments fix data in Excel, so an invalid file gets its own copy back with the bad cells
highlighted; a valid one gets the same report as its receipt.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from tsunagu.model import Draft
from tsunagu.publisher.context import RunContext, spec_for, stem_for


class WriteReport:
    name: ClassVar[str] = "report"
    needs_valid: ClassVar[bool] = False

    def run(self, draft: Draft, ctx: RunContext) -> Draft:
        if ctx.out_dir is None:
            return draft
        from tsunagu.validators.report_html import write_html
        from tsunagu.validators.report_json import write_json
        from tsunagu.validators.report_xlsx import write_annotated_xlsx

        stem = stem_for(draft.manifest, spec_for(draft), draft.source.path)
        out_dir = Path(ctx.out_dir) / stem
        out_dir.mkdir(parents=True, exist_ok=True)
        artifacts = dict(draft.artifacts)
        artifacts["report-json"] = out_dir / "report.json"
        artifacts["report-html"] = out_dir / "report.html"
        draft.report.facts.setdefault("outputs", {}).update(
            {k: v.name for k, v in artifacts.items()}
        )
        write_html(draft, artifacts["report-html"])
        if draft.raw_table is not None and ctx.annotated_xlsx:
            artifacts["report-xlsx"] = out_dir / "report.xlsx"
            write_annotated_xlsx(draft, artifacts["report-xlsx"])
        write_json(draft, artifacts["report-json"])
        return draft.evolve(artifacts=artifacts)
