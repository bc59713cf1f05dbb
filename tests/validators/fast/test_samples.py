"""Both engines on every real sample: the Kashiwa datasets and the schema'd CSVs in tests/data.

The Kashiwa files go through read and normalize first (as in the pipeline); the test CSVs are
validated as they are, every cell as text. Same Problems, same order, same summary.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.validators.conftest import JsonSchema, draft_of
from tests.validators.fast.test_differential import assert_same
from tsunagu.publisher.batch import plan_jobs, run_jobs
from tsunagu.publisher.context import RunContext
from tsunagu.publisher.pipeline import Pipeline
from tsunagu.publisher.steps.normalize import Normalize
from tsunagu.publisher.steps.read import Read
from tsunagu.validators.fast import validate_draft_table
from tsunagu.validators.frictionless_run import validate_table

ROOT = Path(__file__).resolve().parents[3]
KASHIWA = ROOT / "datasets" / "kashiwa"
# (CSV under tests/data, its schema: a JSON file under tests/data or a standard schema slug)
TEST_CSVS = [
    ("validators/facilities_clean.csv", "validators/public-facilities.schema.json"),
    ("validators/facilities_bad.csv", "validators/public-facilities.schema.json"),
    ("normalize/aed_kashiwa_messy.csv", "normalize/aed_schema.json"),
    ("normalize/public_facility_messy.csv", "normalize/public_facility_schema.json"),
    ("schemas/aed_suisho2020.csv", "aed-installations"),
    ("schemas/toilets_suisho2020.csv", "public-toilets"),
]


@pytest.fixture(scope="module")
def kashiwa_drafts(tmp_path_factory):
    from tsunagu.config import load_settings

    settings = load_settings({"data_dir": tmp_path_factory.mktemp("instance")}, env={})
    ctx = RunContext(settings=settings, write_outputs=False)
    outcomes = run_jobs(list(plan_jobs(KASHIWA)), ctx, Pipeline([Read(), Normalize()]))
    drafts = [o.draft for o in outcomes if o.draft is not None and o.draft.table is not None]
    return ctx, [d for d in drafts if d.schema]


def test_every_kashiwa_sample_gives_the_same_answer(kashiwa_drafts) -> None:
    ctx, drafts = kashiwa_drafts
    assert len(drafts) >= 9  # every dataset folder, GIS included
    engines = []
    for draft in drafts:
        schema = ctx.schemas_for(draft).get(draft.schema)  # own schemas too (issue 15)
        table = draft.table
        if "geometry" in table:
            draft = draft.evolve(table=pd.DataFrame(table.drop(columns="geometry")))
        fast = validate_draft_table(draft, schema)
        assert_same(validate_table(draft, schema), fast)
        engines.append(fast[2]["used"])
    assert engines.count("fast") == len(engines), engines


def _schema(data_path, spec: str):
    if spec.endswith(".json"):
        return JsonSchema(Path(spec).stem, json.loads(data_path(spec).read_text("utf-8")))
    from tsunagu.config import load_settings
    from tsunagu.standards import load_registry

    return load_registry(load_settings({}, env={}).schemas_dir).get(spec, "suisho2020")


@pytest.mark.parametrize(("csv_name", "schema_spec"), TEST_CSVS)
def test_every_schemad_test_csv_gives_the_same_answer(data_path, csv_name, schema_spec) -> None:
    path = data_path(csv_name)
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    table.index = range(2, 2 + len(table))
    draft = draft_of(table, name=path.name)
    schema = _schema(data_path, schema_spec)
    fast = validate_draft_table(draft, schema)
    assert fast[2] == {"used": "fast"}
    assert_same(validate_table(draft, schema), fast)


def test_a_departmental_ledger_with_bad_cells_gives_the_same_answer(tmp_path) -> None:
    """The normalised output of the real pipeline on the bench's departmental ledger (CP932,
    title row, local headers, 和暦, full-width digits, ~0.5 % bad cells): both engines agree,
    the fast one answers itself, and the bad cells are found."""
    from bench.generate_departmental import departmental_dataset
    from tsunagu.config import load_settings

    manifest = departmental_dataset(3_000, directory=tmp_path)
    settings = load_settings({"data_dir": tmp_path / "instance"}, env={})
    ctx = RunContext(settings=settings, write_outputs=False)
    (outcome,) = run_jobs(list(plan_jobs(manifest)), ctx, Pipeline([Read(), Normalize()]))
    draft = outcome.draft
    schema = ctx.schemas.get(draft.schema)
    fast = validate_draft_table(draft, schema)
    assert_same(validate_table(draft, schema), fast)
    assert fast[2]["used"] == "fast", fast[2]
    assert len(fast[0]) >= 3_000 * 0.005 * 0.5  # most bad cells are Frictionless errors
