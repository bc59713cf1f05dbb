"""What users run: ``tsunagu validate`` / ``tsunagu publish`` on a departmental file, as typed.

Work timed: the command line a 健康政策課 clerk types, in its own process from start to exit
(start-up, imports, reading the CP932 file, normalising, every check, the reports), on the
seeded departmental ledger of :mod:`bench.generate_departmental` (title row, local headers, 和暦,
full-width digits, ~0.5 % bad cells). Peak memory is the command's own (:mod:`bench.spawn`).

Reference, alternating run by run with ours: Frictionless 5 validating the *normalised* file
(what the pipeline makes of the ledger, written once as the standard CSV before any clock)
against the standard's schema, every error (``limit_errors=0``), imports before its clock.

Targets (issue 17): validate 100k ≤ 1.5 s; 1M ≤ 10 s, ≤ 1 GB, ≥ 10× the reference; 5M ≤ 1 GB
(flat memory); publish 1M to the local catalogue ≤ 20 s, ≤ 1 GB. The publish case uses the same
ledger without the bad cells, because an invalid dataset is (rightly) never published.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from bench import Case, Command, Target
from bench.generate import generated_dir
from bench.generate_departmental import departmental_dataset

QUICK_SIZE = 2_000
REFERENCE_SIZES = (QUICK_SIZE, 100_000, 1_000_000)  # 5M: memory only, no reference
PUBLISH_SIZES = (1_000_000,)
SCHEMA_SLUG = "aed-installations"
ROOT = Path(__file__).resolve().parent.parent
TSUNAGU = str(Path(sys.executable).with_name("tsunagu"))
#: ``tsunagu validate`` exits 1 for "invalid": the ledger has bad cells, so that is the answer.
VALIDATE_STATUS = (0, 1)


def prepare(size: int) -> None:
    """Write the ledgers and, for the reference, the normalised standard CSV (not timed)."""
    departmental_dataset(size)
    if size in PUBLISH_SIZES:
        departmental_dataset(size, clean=True)
    if size in REFERENCE_SIZES:
        normalised_csv(size)


def normalised_csv(size: int) -> Path:
    """The ledger after read → normalize, as the standard CSV (what Frictionless is given)."""
    manifest = departmental_dataset(size)
    path = manifest.parent.parent.parent / "normalised.csv"
    if path.is_file() and path.stat().st_size > 0:
        return path
    from tsunagu.config import load_settings
    from tsunagu.formats.csv_writer import write_standard_csv
    from tsunagu.manifest import load_manifest
    from tsunagu.publisher.pipeline import Pipeline, RunContext, drafts_for_manifest
    from tsunagu.publisher.steps.normalize import Normalize
    from tsunagu.publisher.steps.read import Read

    ctx = RunContext(settings=load_settings({}), write_outputs=False)
    (draft,) = drafts_for_manifest(load_manifest(manifest))
    draft = Pipeline([Read(), Normalize()]).run(draft, ctx)
    partial = path.with_suffix(".partial")
    write_standard_csv(draft.table, partial)
    partial.replace(path)
    return path


def validate(size: int) -> Command:
    manifest = departmental_dataset(size)
    return Command([TSUNAGU, "validate", manifest.name], manifest.parent, VALIDATE_STATUS)


def publish(size: int) -> Command:
    """``tsunagu publish`` of the clean ledger into a fresh local catalogue (every run new)."""
    manifest = departmental_dataset(size, clean=True)
    data = generated_dir() / "publish-data"
    shutil.rmtree(data, ignore_errors=True)
    municipality = manifest.parent.parent.parent
    return Command([TSUNAGU, "--data-dir", str(data), "publish", str(municipality)], ROOT)


def frictionless_normalised(size: int) -> str:
    """The reference: Frictionless on the normalised file against the standard schema."""
    import frictionless

    from tsunagu.config import load_settings
    from tsunagu.standards import load_registry

    schema = load_registry(load_settings({}).schemas_dir).get(SCHEMA_SLUG)
    path = normalised_csv(size)
    resource_ = frictionless.Resource(
        path=path.name,
        basepath=str(path.parent),
        schema=frictionless.Schema.from_descriptor(schema.frictionless_descriptor()),
        format="csv",
        encoding="utf-8",
        detector=frictionless.Detector(schema_sync=True),
    )
    report = resource_.validate(limit_errors=0)
    errors: list[Any] = [e for task in report.tasks for e in task.errors]
    return f"Frictionless: {len(errors):,} errors"


def _import_reference() -> None:
    """Frictionless' lazy imports, before the reference's clock (the runner imports the module)."""
    import frictionless.formats
    import frictionless.resources  # noqa: F401


_import_reference()


def cases(quick: bool) -> list[Case]:
    here = "bench.cli"
    validate_, reference = f"{here}:validate", f"{here}:frictionless_normalised"
    if quick:
        return [Case("tsunagu validate (CLI)", QUICK_SIZE, validate_, reference, "Frictionless",
                     command=True)]  # fmt: skip
    return [
        Case(
            "tsunagu validate (CLI)",
            100_000,
            validate_,
            reference,
            "Frictionless",
            Target(max_seconds=1.5),
            command=True,
        ),
        Case(
            "tsunagu validate (CLI)",
            1_000_000,
            validate_,
            reference,
            "Frictionless",
            Target(max_seconds=10, max_peak_mb=1024, min_ratio=10),
            command=True,
        ),
        Case(
            "tsunagu publish (CLI)",
            1_000_000,
            f"{here}:publish",
            None,
            "",
            Target(max_seconds=20, max_peak_mb=1024),
            command=True,
        ),
        Case(
            "tsunagu validate (CLI)",
            5_000_000,
            validate_,
            None,
            "",
            Target(max_peak_mb=1024),
            command=True,
        ),
    ]
