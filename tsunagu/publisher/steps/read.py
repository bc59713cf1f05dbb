"""Read: the department's file into a Draft, with what the reader learnt in the report."""

from __future__ import annotations

from typing import ClassVar

from tsunagu.errors import FormatError
from tsunagu.formats import read_file
from tsunagu.formats.base import ReadOptions
from tsunagu.model import Draft
from tsunagu.publisher.context import RunContext, spec_for


class Read:
    name: ClassVar[str] = "read"
    needs_valid: ClassVar[bool] = False

    def run(self, draft: Draft, ctx: RunContext) -> Draft:
        options = self._options(draft, ctx)
        try:
            read = read_file(draft.source.path, ctx.settings, options)
        except FormatError as exc:
            if exc.problem is None:
                raise
            draft.report.problems.append(exc.problem)
            draft.report.facts["unreadable"] = True
            return draft
        if options.display_name:
            from dataclasses import replace

            read = read.evolve(source=replace(read.source, display_name=options.display_name))
        report = draft.report
        report.problems.extend(read.report.problems)
        report.changes.update(read.report.changes)
        report.facts.update(read.report.facts)
        table = read.table
        if table is not None and not hasattr(table, "geometry"):
            from tsunagu.formats.annotations import drop_annotation_rows

            table = drop_annotation_rows(table, report, read.source.name)
        return draft.evolve(source=read.source, table=table, raw_table=read.raw_table)

    @staticmethod
    def _options(draft: Draft, ctx: RunContext) -> ReadOptions:
        spec = spec_for(draft)
        if spec is None:
            return ctx.read_options or ReadOptions()
        return ReadOptions(
            sheet=spec.sheet,
            header_row=spec.header_row,
            encoding=spec.encoding,
            layer=spec.layer,
            crs=spec.crs,
            # an upload is stored as source.<ext>; its messages name the department's file
            display_name=ctx.read_options.display_name if ctx.read_options else None,
        )
