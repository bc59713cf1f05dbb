"""Normalize: bring a departmental table to the standard's columns, layout and value forms.

Order matters and is the whole point of this module: geometry first (so coordinates are WGS84
before anything reads them), then which standard and which layout the file follows, then the
department's column names to the standard's, then an old-layout table to the current layout,
then cell values (width, 和暦, phones), then constants the file lacks. Each part is a pure
function in :mod:`tsunagu.normalize` or :mod:`tsunagu.geo`; this step only wires them.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import pandas as pd

from tsunagu.errors import Location, Severity
from tsunagu.model import Draft
from tsunagu.publisher.context import RunContext

AUTO_ACCEPT = 0.8  # proposals at least this sure are applied without asking the department
RECOGNISE_MIN = 0.5  # a layout of an explicitly named standard is taken from this score
# Without --schema or a manifest, a standard is chosen only when it is clearly the one: a score
# of at least CLEAR_SCORE and CLEAR_MARGIN ahead of the next *different* standard. A 避難所 list
# scores about the same as 公衆無線LAN (both are facility lists); guessing would validate it
# against the wrong standard, so the command stops and lists the candidates instead.
CLEAR_SCORE = 0.7
CLEAR_MARGIN = 0.1


def _is_geo(table: Any) -> bool:
    return hasattr(table, "geometry") and "geometry" in getattr(table, "columns", ())


class Normalize:
    name: ClassVar[str] = "normalize"
    needs_valid: ClassVar[bool] = False

    def run(self, draft: Draft, ctx: RunContext) -> Draft:
        if draft.table is None:
            return draft
        from tsunagu.manifest import municipality_for
        from tsunagu.publisher.as_of import file_as_of

        as_of = file_as_of(draft)  # read here so the writers need no 和暦 rules of their own
        if as_of is not None:
            draft.report.facts["data_as_of"] = as_of.isoformat()
        from tsunagu.publisher.steps.drift import Drift

        spec = getattr(draft.manifest, "statistics", None)
        if spec is not None and not _is_geo(draft.table):  # a statistics sheet's print layout
            from tsunagu.normalize.stat_tables import apply_statistics

            table = apply_statistics(draft.table, spec, draft.report, draft.source.name)
            melted = spec.shape == "long" and all(n in table.columns for n in spec.names)
            draft = draft.evolve(table=table, melted=spec.names if melted else None)
        draft = Drift().run(draft, ctx)  # an own schema's contract, checked on the file as written

        municipality = municipality_for(draft.source.path, ctx.settings, draft.manifest)
        draft.report.facts["municipality"] = municipality.to_fact() if municipality else None
        geometry = None
        if _is_geo(draft.table):
            from tsunagu.geo.prepare import prepare_geodata

            draft = prepare_geodata(draft, ctx.settings)
            geometry = draft.table.geometry
            attrs = pd.DataFrame(draft.table.drop(columns="geometry"))
        else:
            attrs = draft.table
        choice = self._choose_schema(draft, attrs, ctx)
        if choice is None:
            return draft
        slug, layout = choice
        table, origin = self._to_standard(draft, attrs, ctx, slug, layout)
        if geometry is not None:
            table = self._with_geometry(table, geometry, draft)
        draft.report.facts.update(schema=slug, layout=layout)
        return draft.evolve(table=table, schema=slug, column_origin=origin)

    def _choose_schema(self, draft: Draft, attrs: pd.DataFrame, ctx: RunContext) -> Any:
        registry = ctx.schemas_for(draft)
        manifest = draft.manifest
        slug = ctx.schema_slug or draft.schema
        layout = ctx.layout or (manifest.layout if manifest else None)
        columns = [str(c) for c in attrs.columns]
        matches = registry.recognise(columns)
        if slug is None:
            distinct = list({m.slug: m for m in reversed(matches)}.values())[::-1]
            distinct.sort(key=lambda m: -m.score)
            best = distinct[0] if distinct else None
            runner_up = distinct[1].score if len(distinct) > 1 else 0.0
            if best is None or best.score < CLEAR_SCORE or best.score - runner_up < CLEAR_MARGIN:
                draft.report.add(
                    "schema-unrecognised",
                    Severity.ERROR,
                    Location(file=draft.source.name),
                    candidates=", ".join(f"{m.slug} ({m.score:.0%})" for m in distinct[:5]) or "-",
                )
                draft.report.facts["schema_undecided"] = [
                    {"slug": m.slug, "score": m.score} for m in distinct[:5]
                ]
                return None
            slug = best.slug
            draft.report.facts["schema_recognised"] = {"slug": best.slug, "score": best.score}
        if layout is None:
            # The manifest's column targets name one layout's fields: that layout is meant.
            targets = {t for t in (manifest.columns if manifest else {}).values() if t}
            same = [
                m
                for m in matches
                if m.slug == slug and targets <= set(registry.get(slug, m.layout).field_names)
            ] or [m for m in matches if m.slug == slug]
            layout = same[0].layout if same and same[0].score >= RECOGNISE_MIN else "current"
        registry.get(slug, layout)  # raises SchemaNotFound with the known list
        return slug, layout

    def _to_standard(
        self, draft: Draft, attrs: pd.DataFrame, ctx: RunContext, slug: str, layout: str
    ) -> tuple[pd.DataFrame, dict[str, str]]:
        from tsunagu.normalize.constants import fill_constants
        from tsunagu.normalize.headers import apply_mapping
        from tsunagu.normalize.layout import upgrade_table
        from tsunagu.normalize.values import normalize_values

        registry = ctx.schemas_for(draft)
        report, file_name, manifest = draft.report, draft.source.name, draft.manifest
        schema_in = registry.get(slug, layout)
        first_new = len(report.problems)
        attrs, split_origin = self._split_combined(attrs, manifest)
        mapping = self._mapping([str(c) for c in attrs.columns], schema_in, manifest)
        table, origin = apply_mapping(attrs, mapping, schema_in, report, file_name)
        origin.update({k: v for k, v in split_origin.items() if k in origin})
        if layout != "current":
            table, origin = upgrade_table(
                table, schema_in, registry, report, file_name, origin=origin
            )
        schema = registry.get(slug)
        if manifest is not None and manifest.values:
            from tsunagu.normalize.value_map import apply_value_mappings

            table = apply_value_mappings(table, manifest.values, origin, report, file_name)
        mapped = table
        table = normalize_values(table, schema, report, file_name)
        table = self._no_new_formulas(mapped, table, schema, report, file_name, origin)
        from tsunagu.normalize.municipality import check_codes, report_unknown

        municipality = report.facts.get("municipality")
        if municipality:
            check_codes(table, municipality["code"], municipality["name"], report, file_name)
        else:
            report_unknown(report, file_name)
        table = fill_constants(
            table,
            schema,
            report,
            municipality_code=municipality["code"] if municipality else "",
            municipality_name=municipality["name"] if municipality else "",
            constants=dict(manifest.constants) if manifest else {},
            id_prefix=manifest.id_prefix if manifest else None,
            file_name=file_name,
        )
        table = self._keep_extras(attrs, table, mapping, schema_in, manifest, report, file_name)
        self._settle_problems(report, first_new, table, origin)
        return table, origin

    @staticmethod
    def _split_combined(attrs: pd.DataFrame, manifest: Any) -> tuple[pd.DataFrame, dict[str, str]]:
        """Apply the manifest's ``columns: {location: [緯度, 経度]}``: the parts become the
        standard's columns, still named after the department's column in every problem."""
        from tsunagu.normalize.combined_coordinates import split

        splits = manifest.split_columns if manifest is not None else {}
        todo = {c: t for c, t in splits.items() if c in attrs.columns}
        if not todo:
            return attrs, {}
        out = attrs.copy()
        origin: dict[str, str] = {}
        for column, targets in todo.items():
            for target, part in split(out[column], targets).items():
                out[target] = part
                origin[target] = column
            out = out.drop(columns=column)
        return out, origin

    @staticmethod
    def _hint_combined(
        attrs: pd.DataFrame, table: pd.DataFrame, extras: list[str], report: Any, file_name: str
    ) -> None:
        """A combined point column the manifest does not split, while 緯度/経度 are empty: say
        how to split it instead of publishing a list without coordinates."""
        from tsunagu.normalize.combined_coordinates import recognise

        empty = all(
            c not in table.columns or bool((table[c].astype(str).str.strip() == "").all())
            for c in ("緯度", "経度")
        )
        if not empty:
            return
        for column in extras:
            found = recognise(column, attrs[column])
            if found is not None:
                report.add(
                    "coordinates-combined-column",
                    Severity.WARNING,
                    Location(file=file_name, column=column),
                    order=", ".join(found.order),
                    matched=found.matched,
                    filled=found.filled,
                )

    @staticmethod
    def _keep_extras(
        attrs: pd.DataFrame,
        table: pd.DataFrame,
        mapping: dict[str, str | None],
        schema_in: Any,
        manifest: Any,
        report: Any,
        file_name: str,
    ) -> pd.DataFrame:
        """The department's own columns, kept after the standard's (see normalize.extra_columns)."""
        from tsunagu.normalize.extra_columns import extra_columns, keep_extra_columns

        columns = [str(c) for c in attrs.columns]
        named = set(schema_in.field_names) | set(table.columns)  # taken by its own name
        used = {source for source, target in mapping.items() if target} | {
            c for c in columns if c in named
        }
        excluded = {k for k, v in (manifest.columns if manifest else {}).items() if v is None}
        extras = extra_columns(columns, used, excluded, list(table.columns))
        if not extras:
            return table
        Normalize._hint_combined(attrs, table, extras, report, file_name)
        table, _ = keep_extra_columns(table, attrs, extras, report, file_name)
        return table

    @staticmethod
    def _no_new_formulas(
        mapped: pd.DataFrame,
        table: pd.DataFrame,
        schema: Any,
        report: Any,
        file_name: str,
        origin: dict[str, str],
    ) -> pd.DataFrame:
        """Normalisation never turns ``＝1+1``/``\t=1+1`` into a live ``=1+1``; formula-like
        cells are named in a warning (issue 16)."""
        from tsunagu.normalize.formula_guard import keep_formulas_dead, warn_formula_like
        from tsunagu.normalize.values import field_kind

        numeric = {
            c
            for c in table.columns
            if c in schema.field_names and field_kind(schema, c) in ("number", "integer")
        }
        table = keep_formulas_dead(mapped, table, numeric, report)
        warn_formula_like(table, numeric, report, file_name, origin)
        return table

    @staticmethod
    def _mapping(columns: list[str], schema: Any, manifest: Any) -> dict[str, str | None]:
        """Sure proposals, overridden by the manifest: its sources and its targets win."""
        from tsunagu.normalize.headers import propose_mapping

        chosen = {k: v for k, v in (manifest.columns if manifest else {}).items() if k in columns}
        taken = {v for v in chosen.values() if v}
        mapping: dict[str, str | None] = {
            p.source: p.target
            for p in propose_mapping(columns, schema)
            if p.target
            and p.confidence >= AUTO_ACCEPT
            and p.source not in chosen
            and p.target not in taken
        }
        mapping.update(chosen)
        return mapping

    @staticmethod
    def _settle_problems(
        report: Any, first: int, table: pd.DataFrame, origin: dict[str, str]
    ) -> None:
        """Name columns as the department wrote them, and drop "required column missing" for
        columns that constants (municipality code, name, generated IDs) have since filled."""
        settled = []
        for problem in report.problems[first:]:
            column = problem.location.column
            if (
                problem.code == "required-column-missing"
                and column in table.columns
                and bool((table[column] != "").all())
            ):
                continue
            if column in origin:
                problem = dataclasses.replace(
                    problem, location=dataclasses.replace(problem.location, column=origin[column])
                )
            settled.append(problem)
        report.problems[first:] = settled

    @staticmethod
    def _with_geometry(table: pd.DataFrame, geometry: Any, draft: Draft) -> Any:
        """Re-attach WGS84 geometry; points fill 緯度/経度 where the file had none."""
        import geopandas as gpd
        import shapely

        shapes = geometry.to_numpy()
        points = (shapely.get_type_id(shapes) == 0) & ~shapely.is_empty(shapes)  # Point, not empty
        for column, getter in (("緯度", shapely.get_y), ("経度", shapely.get_x)):
            if column not in table.columns or not points.any():
                continue
            coords = [
                f"{getter(g):.7f}".rstrip("0").rstrip(".") if p else ""
                for g, p in zip(shapes, points, strict=True)
            ]
            text = pd.Series(coords, index=table.index)
            empty = table[column] == ""
            filled = int((empty & (text != "")).sum())
            table.loc[empty, column] = text[empty]
            draft.report.count("coordinates-from-geometry", filled)
        return gpd.GeoDataFrame(table, geometry=shapes, crs=geometry.crs, index=table.index)
