"""A dataset no standard covers gets its contract: infer a Table Schema from the file, show it,
and on the department's confirmation write it beside the manifest.

The one place both faces do this (``tsunagu describe`` and the upload page's new-dataset
confirmation), so the CLI and the web propose the same schema for the same file: the file is
read by the pipeline's own read step, a ``statistics:`` sheet is flattened (or melted) exactly as
publishing does, and the schema is inferred from the normalised values
(:func:`tsunagu.validators.describe.infer_schema`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from tsunagu.errors import Problem, TsunaguError
from tsunagu.manifest import MANIFEST_NAME

if TYPE_CHECKING:
    from tsunagu.config import Settings
    from tsunagu.formats.base import ReadOptions
    from tsunagu.manifest import StatisticsSpec

SCHEMA_NAME = "schema.json"


class ContractExists(TsunaguError):
    """The dataset already has its contract: a change goes through accepting drift, never a
    second ``describe`` that would replace it silently."""

    code = "contract-exists"
    http_status = 409


class FollowsStandard(TsunaguError):
    """The manifest names a standard: the standard is the contract, not an inferred schema."""

    code = "follows-standard"
    http_status = 409


@dataclass(frozen=True)
class Description:
    """The proposed schema, or (``descriptor`` None) the problems that kept the file unread."""

    descriptor: dict[str, Any] | None
    problems: list[Problem] = field(default_factory=list)


def manifest_data(folder: Path) -> dict[str, Any]:
    """The folder's ``dataset.yaml`` as plain data; empty when absent or unreadable (validate
    and publish report a broken manifest; describing only reads the file)."""
    manifest = folder / MANIFEST_NAME
    if not manifest.is_file():
        return {}
    try:
        data = yaml.safe_load(manifest.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def statistics_of(folder: Path) -> StatisticsSpec | None:
    """The folder's ``statistics:`` (header rows, totals, placeholders, shape), if any: with
    ``shape: long`` the schema is the long table's, the shape that is published."""
    from tsunagu.manifest import StatisticsSpec

    raw = manifest_data(folder).get("statistics")
    return StatisticsSpec.parse(raw) if isinstance(raw, dict) else None


def describe_file(
    path: Path,
    settings: Settings,
    options: ReadOptions,
    statistics: StatisticsSpec | None = None,
    display_name: str | None = None,
) -> Description:
    """Read ``path`` as publishing would and infer its Table Schema (nothing is written)."""
    from tsunagu.model import Draft, Source
    from tsunagu.publisher.context import RunContext
    from tsunagu.publisher.steps.read import Read
    from tsunagu.validators.describe import infer_schema

    ctx = RunContext(settings=settings, read_options=options)
    draft = Read().run(Draft(source=Source(path=path)), ctx)
    if draft.table is None or draft.report.facts.get("unreadable"):
        return Description(None, list(draft.report.problems))
    table = draft.table
    name = display_name or path.name
    if statistics is not None:  # the same flattening, totals and placeholders as publishing
        from tsunagu.normalize.stat_tables import apply_statistics

        table = apply_statistics(table, statistics, draft.report, name)
    return Description(infer_schema(table, name))


def write_contract(folder: Path, descriptor: dict[str, Any]) -> Path:
    """Write ``schema.json`` into ``folder`` and name it in its ``dataset.yaml`` (appended, so
    the department's comments stay). Refuses a manifest that follows a standard and a folder
    that already has its contract: a contract is replaced only by accepting drift."""
    target = folder / SCHEMA_NAME
    manifest = folder / MANIFEST_NAME
    data = manifest_data(folder)
    if data.get("standard"):
        raise FollowsStandard(
            f"{manifest}: the dataset follows the standard {data['standard']}; remove "
            "standard: first to give it its own schema",
            message_ja=f"{manifest}: standard: {data['standard']} — このデータセットは標準に"
            "従っています。独自スキーマにするなら standard: を消してから実行してください",
        )
    if target.exists():
        raise ContractExists(
            f"{target} is already this dataset's contract; accept a change with "
            "tsunagu publish --accept-schema (the old one is kept in schema-history/)",
            message_ja=f"{target} はすでにこのデータセットの契約（スキーマ）です。変更は "
            "tsunagu publish --accept-schema で承認してください"
            "（以前のものは schema-history/ に残ります）",
        )
    target.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", "utf-8")
    if manifest.is_file() and not data.get("schema"):
        text = manifest.read_text(encoding="utf-8")
        manifest.write_text(
            text + ("" if text.endswith("\n") else "\n") + f"schema: {SCHEMA_NAME}\n", "utf-8"
        )
    return target
