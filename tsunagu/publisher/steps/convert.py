"""Convert: write the standard outputs of a valid draft (CSV, GeoJSON, Data Package).

Runs only when validation passed: an invalid dataset gets its reports but never a publishable
file, so nothing half-right can be published by accident.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from tsunagu.formats import WRITERS
from tsunagu.model import Draft
from tsunagu.publisher.context import RunContext, spec_for, stem_for


def _has_points(table: Any) -> bool:
    if "geometry" in getattr(table, "columns", ()):
        return True
    return {"緯度", "経度"} <= set(table.columns) and bool(
        ((table["緯度"] != "") & (table["経度"] != "")).any()
    )


class Convert:
    name: ClassVar[str] = "convert"
    needs_valid: ClassVar[bool] = True

    def run(self, draft: Draft, ctx: RunContext) -> Draft:
        if ctx.out_dir is None or not ctx.write_outputs:
            return draft
        stem = stem_for(draft.manifest, spec_for(draft), draft.source.path)
        out_dir = Path(ctx.out_dir) / stem
        out_dir.mkdir(parents=True, exist_ok=True)
        names = ["csv"]
        geo_draft = draft
        if _has_points(draft.table):
            geo_draft = self._as_geodata(draft, ctx)
            if not geo_draft.report.valid:
                return draft  # the layer cannot be made: its errors (in the report) block it
            if "geometry" in geo_draft.table:
                names.append("geojson")
        artifacts = dict(draft.artifacts)
        for name in names:
            writer = WRITERS.load(name)()
            source = geo_draft if name == "geojson" else draft
            artifacts[name] = writer.write(
                source.evolve(artifacts=artifacts), out_dir, ctx.settings, stem=stem
            )
        own = getattr(draft.manifest, "own_schema", None)
        if own is not None:  # the contract travels with the data (CKAN's schema field, too)
            artifacts["schema"] = out_dir / "schema.json"
            artifacts["schema"].write_bytes(own.read_bytes())
        artifacts["datapackage"] = WRITERS.load("datapackage")().write(
            draft.evolve(artifacts=artifacts), out_dir, ctx.settings, stem=stem
        )
        draft.report.facts["outputs"] = {k: v.name for k, v in artifacts.items()}
        return draft.evolve(artifacts=artifacts)

    @staticmethod
    def _as_geodata(draft: Draft, ctx: RunContext) -> Draft:
        if "geometry" in draft.table:
            return draft
        from tsunagu.geo.points import points_from_table
        from tsunagu.geo.prepare import prepare_geodata

        return prepare_geodata(points_from_table(draft), ctx.settings)
