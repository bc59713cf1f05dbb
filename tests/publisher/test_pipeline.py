"""The whole pipeline over the Kashiwa samples: what `make demo` shows, asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tsunagu.config import load_settings
from tsunagu.manifest import find_manifests, load_manifest
from tsunagu.publisher.batch import plan_jobs, run_jobs
from tsunagu.publisher.context import RunContext
from tsunagu.publisher.pipeline import Pipeline

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "datasets" / "kashiwa"
MANIFESTS = sorted(find_manifests(SAMPLES))


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    out = tmp_path_factory.mktemp("converted")
    settings = load_settings({"data_dir": out / "instance"}, env={})
    ctx = RunContext(settings=settings, out_dir=out)
    results = run_jobs(list(plan_jobs(SAMPLES)), ctx)
    return {o.manifest.id if o.manifest else o.label: o for o in results}, out


def test_there_are_enough_samples():
    assert len(MANIFESTS) >= 6


@pytest.mark.parametrize("manifest_path", MANIFESTS, ids=lambda p: p.parent.name)
def test_each_sample_is_valid_or_blocked_exactly_as_documented(outcomes, manifest_path):
    by_id, _ = outcomes
    manifest = load_manifest(manifest_path)
    outcome = by_id[manifest.id]
    assert outcome.error is None, outcome.error and outcome.error.user_message
    report = outcome.draft.report
    found = {(p.code, p.location.row, p.location.column) for p in report.blocking}
    documented = {(k["code"], k.get("row"), k.get("column")) for k in manifest.known_problems}
    assert found == documented, [p.message("en") for p in report.blocking]


def test_valid_samples_are_converted_with_reports(outcomes):
    by_id, out = outcomes
    for dataset_id, outcome in by_id.items():
        folder = out / dataset_id
        if outcome.manifest is not None and outcome.manifest.kind == "documents":
            continue  # published as they are: no validation report (issue 15)
        assert (folder / "report.json").is_file() and (folder / "report.html").is_file()
        if outcome.valid:
            assert (folder / f"{dataset_id}.csv").is_file()
            package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
            assert package["name"] == dataset_id
        else:
            assert not (folder / f"{dataset_id}.csv").exists(), "a blocked dataset got outputs"


def test_point_samples_get_rfc7946_geojson(outcomes):
    by_id, out = outcomes
    geo = [i for i, o in by_id.items() if o.valid and (out / i / f"{i}.geojson").exists()]
    assert geo, "no sample produced GeoJSON"
    for dataset_id in geo:
        doc = json.loads((out / dataset_id / f"{dataset_id}.geojson").read_text(encoding="utf-8"))
        assert "crs" not in doc and doc["type"] == "FeatureCollection"
        w, s, e, n = doc["bbox"]
        assert 139.8 < w <= e < 140.1 and 35.7 < s <= n < 36.0


def test_pipeline_stops_before_convert_when_blocked(tmp_path, settings):
    bad = tmp_path / "aed.csv"
    bad.write_text("名称,緯度,経度\n柏市役所,135.9,35.8\n", encoding="utf-8")
    ctx = RunContext(settings=settings, out_dir=tmp_path / "out", schema_slug="aed-installations")
    [job] = list(plan_jobs(bad))
    draft = Pipeline.default().run(job.draft, ctx)
    assert not draft.report.valid
    assert draft.report.facts["stopped_before"] == "convert"
    assert not (tmp_path / "out" / "aed" / "aed.csv").exists()
    assert (tmp_path / "out" / "aed" / "report.json").exists()
