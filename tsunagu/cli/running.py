"""What validate, convert and publish share: the engine option and running jobs with progress."""

from __future__ import annotations

from pathlib import Path

import click
from rich.progress import track

from tsunagu.publisher.batch import Outcome, plan_jobs, run_jobs
from tsunagu.publisher.context import RunContext

engine_option = click.option(
    "--engine",
    type=click.Choice(["fast", "frictionless"]),
    default="fast",
    show_default=True,
    help="Validation engine: fast (column-wise, same answers) or frictionless (the reference).",
)


def run_target(
    target: Path, manifest: Path | None, ctx: RunContext, lang: str, label: tuple[str, str]
) -> list[Outcome]:
    """Every dataset under TARGET through the pipeline, with a progress bar for several."""
    jobs = list(plan_jobs(target, manifest))
    description = label[0] if lang == "ja" else label[1]
    return run_jobs(list(track(jobs, description=description, disable=len(jobs) < 2)), ctx)
