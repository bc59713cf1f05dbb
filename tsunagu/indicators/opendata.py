"""The indicators as open data: one long CSV table, the same as JSON, and their Table Schema.

One row per figure (``indicator``, the ``department``/``dataset``/``subject`` it is about, its
``value`` and ``unit``, and ``status`` for categorical results), so a new indicator never
changes the table's shape and anyone can compare cities publishing the same table. The CSV is
validated against its own schema with Frictionless before it is published, like every other
dataset; :func:`publish_indicators` writes it to the catalogue as ``tsunagu-indicators``
(``tsunagu report --publish``, meant to run daily; unchanged figures publish nothing).
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tsunagu.catalogue.base import DatasetMeta, PublishRequest, PublishResult, ResourceFile
from tsunagu.catalogue.blobs import sha256_file
from tsunagu.errors import PublishError
from tsunagu.indicators.compute import Indicators

DATASET_ID = "tsunagu-indicators"
OWNER = ("open-data-programme", "オープンデータ推進（Tsunagu）", "Open data programme (Tsunagu)")

UNITS = {
    "share": "ratio 0-1",
    "days": "days",
    "count": "count",
    "stars": "5-star level 0-5",
}
SUMMARY_UNITS = {
    "problem_cell_share": "share",
    "median_days_upload_to_publication": "days",
    "median_days_blocked_to_fixed": "days",
}
#: summary figures that are {level: datasets} counts → the indicator naming their rows
STAR_ROWS = {"stars": "datasets_by_stars", "non_standard_stars": "non_standard_datasets_by_stars"}

TABLE_SCHEMA: dict[str, Any] = {
    "fields": [
        {"name": "period_start", "type": "date", "title": "集計期間の初日 / first day"},
        {"name": "period_end", "type": "date", "title": "集計期間の末日 / last day"},
        {
            "name": "indicator",
            "type": "string",
            "title": "指標 / indicator (README: EBPM indicators)",
            "constraints": {"required": True},
        },
        {"name": "department", "type": "string", "title": "部署 / department slug"},
        {"name": "dataset", "type": "string", "title": "データセット / dataset id"},
        {
            "name": "subject",
            "type": "string",
            "title": "対象（標準データセット、ファイル、日付）/ subject",
        },
        {"name": "value", "type": "number", "title": "値 / value"},
        {"name": "unit", "type": "string", "title": "単位 / unit"},
        {"name": "status", "type": "string", "title": "区分 / status"},
    ],
    "missingValues": [""],
}


def _row(ind: Indicators, indicator: str, value: Any, unit: str, **about: Any) -> dict[str, Any]:
    return {
        "period_start": ind.period.start.isoformat(),
        "period_end": ind.period.end.isoformat(),
        "indicator": indicator,
        "department": about.get("department", ind.department or ""),
        "dataset": about.get("dataset", ""),
        "subject": about.get("subject", ""),
        "value": "" if value is None else value,
        "unit": UNITS[unit],
        "status": about.get("status", ""),
    }


Row = dict[str, Any]


def _summary_rows(ind: Indicators) -> list[Row]:
    out = []
    for key, value in ind.summary.items():
        if key in STAR_ROWS:
            out += [
                _row(ind, STAR_ROWS[key], n, "count", subject=str(level))
                for level, n in value.items()
            ]
        else:
            out.append(_row(ind, key, value, SUMMARY_UNITS.get(key, "count")))
    return out


def _coverage_rows(ind: Indicators) -> list[Row]:
    return [
        _row(ind, "coverage", len(c.datasets), "count", department=dept, subject=c.standard,
             status=c.status)
        for c in ind.coverage
        for dept in c.departments or ("",)
    ]  # fmt: skip


def _openness_rows(ind: Indicators) -> list[Row]:
    return [
        _row(ind, "openness", o.stars, "stars", department=o.department, dataset=o.dataset_id,
             subject=o.standard)
        for o in ind.openness
    ]  # fmt: skip


def _quality_rows(ind: Indicators) -> list[Row]:
    out = []
    for q in ind.quality:
        about = {"department": q.department, "dataset": q.dataset_id}
        out += [
            _row(ind, "problem_cell_share", q.problem_share, "share", **about),
            _row(ind, "warnings", q.warnings, "count", **about),
            _row(ind, "rules_failed", len(q.rules_failed), "count", **about,
                 subject=" ".join(q.rules_failed)),
            _row(ind, "blocked_attempts", q.blocked_attempts, "count", **about),
            _row(ind, "blocked_days", q.blocked_days, "days", **about,
                 status="blocked" if q.blocked_now else ""),
        ]  # fmt: skip
    out += [
        _row(ind, "problem_cell_share_by_version", share, "share", department=q.department,
             dataset=q.dataset_id, subject=str(version))
        for q in ind.quality
        for version, share in q.history
    ]  # fmt: skip
    out += [
        _row(ind, "problem_cell_share_by_day", share, "share", subject=day)
        for day, share, _datasets in ind.quality_trend
    ]
    return out


def _freshness_rows(ind: Indicators) -> list[Row]:
    return [
        _row(ind, "days_overdue", f.days_overdue, "days", department=f.department,
             dataset=f.dataset_id, subject=f.frequency, status=f.status)
        for f in ind.freshness
    ]  # fmt: skip


def _use_rows(ind: Indicators) -> list[Row]:
    owners = {u.dataset_id: u.department for u in ind.use}
    out = []
    for u in ind.use:
        about = {"department": u.department, "dataset": u.dataset_id}
        out += [
            _row(ind, "page_views", u.page_views, "count", **about),
            _row(ind, "downloads", u.downloads, "count", **about),
            _row(ind, "api_requests", u.api_requests, "count", **about),
        ]
    out += [
        _row(ind, "downloads_by_resource", n, "count", department=owners.get(dataset, ""),
             dataset=dataset, subject=key)
        for dataset, key, n in ind.downloads_by_resource
    ]  # fmt: skip
    for dataset, day, pages, downloads, api in ind.use_by_dataset_day:
        about = {"department": owners.get(dataset, ""), "dataset": dataset, "subject": day}
        out += [
            _row(ind, name, n, "count", **about)
            for name, n in (("page_views_by_dataset_day", pages),
                            ("downloads_by_dataset_day", downloads),
                            ("api_requests_by_dataset_day", api))
            if n
        ]  # fmt: skip
    for day, pages, downloads, api in ind.use_daily:
        out += [
            _row(ind, "page_views_by_day", pages, "count", subject=day),
            _row(ind, "downloads_by_day", downloads, "count", subject=day),
            _row(ind, "api_requests_by_day", api, "count", subject=day),
        ]
    return out


def _responsiveness_rows(ind: Indicators) -> list[Row]:
    spans = [("days_upload_to_publication", i) for i in ind.upload_to_publication]
    spans += [("days_blocked_to_fixed", i) for i in ind.blocked_to_fixed]
    return [
        _row(ind, name, i.days, "days", department=i.department, dataset=i.dataset_id,
             subject=i.end or "")
        for name, i in spans
    ]  # fmt: skip


#: the table's sections in order (one producer per indicator family)
SECTIONS = (
    _summary_rows,
    _coverage_rows,
    _openness_rows,
    _quality_rows,
    _freshness_rows,
    _use_rows,
    _responsiveness_rows,
)


def rows(ind: Indicators) -> list[Row]:
    """Every figure of ``ind`` as a row of the indicator table."""
    return [row for section in SECTIONS for row in section(ind)]


def to_json(ind: Indicators) -> dict[str, Any]:
    """The whole result, structured (what the dashboard shows), plus the long table."""
    data = asdict(ind)
    data["period"] = {
        "start": ind.period.start.isoformat(),
        "end": ind.period.end.isoformat(),
    }
    data["rows"] = rows(ind)
    return data


def write_csv(ind: Indicators, path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, [f["name"] for f in TABLE_SCHEMA["fields"]])
        writer.writeheader()
        writer.writerows(rows(ind))
    return path


def write_files(ind: Indicators, out_dir: Path) -> dict[str, Path]:
    """indicators.csv, indicators.json, indicators.schema.json and datapackage.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "csv": write_csv(ind, out_dir / "indicators.csv"),
        "json": out_dir / "indicators.json",
        "schema": out_dir / "indicators.schema.json",
        "datapackage": out_dir / "datapackage.json",
    }
    paths["json"].write_text(_dumps(to_json(ind)), encoding="utf-8")
    paths["schema"].write_text(_dumps(TABLE_SCHEMA), encoding="utf-8")
    package = {
        "name": DATASET_ID,
        "title": "オープンデータ推進の指標 / Open data programme indicators",
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "resources": [
            {
                "name": "indicators",
                "path": "indicators.csv",
                "format": "csv",
                "encoding": "utf-8",
                "schema": "indicators.schema.json",
            }
        ],
    }
    paths["datapackage"].write_text(_dumps(package), encoding="utf-8")
    check_csv(paths["csv"], paths["schema"])
    return paths


def check_csv(csv_path: Path, schema_path: Path) -> None:
    """Validate the CSV against its own schema (Frictionless); never publish a broken table."""
    from frictionless import Resource, Schema

    schema = Schema.from_descriptor(json.loads(schema_path.read_text(encoding="utf-8")))
    resource = Resource(
        path=csv_path.name, basepath=str(csv_path.parent), schema=schema, format="csv",
        encoding="utf-8",
    )  # fmt: skip
    report = resource.validate(limit_errors=0)
    if not report.valid:
        errors = report.flatten(["rowNumber", "fieldName", "type"])[:5]
        raise PublishError(
            f"the indicator table does not match its schema: {errors}",
            message_ja=f"指標の表がスキーマに合いません: {errors}",
            code="indicators-invalid",
        )


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"


def publish_indicators(
    catalogue: Any,
    ind: Indicators,
    out_dir: Path,
    *,
    municipality: tuple[str, str] = ("", ""),
    actor: str = "tsunagu-report",
) -> PublishResult:
    """Publish the indicator files as the ``tsunagu-indicators`` dataset (all or nothing)."""
    paths = write_files(ind, out_dir)
    kinds = {
        "csv": ("CSV", "text/csv"),
        "json": ("JSON", "application/json"),
        "schema": ("JSON", "application/json"),
        "datapackage": ("JSON", "application/json"),
    }
    files = tuple(
        ResourceFile(
            key,
            paths[key],
            paths[key].name,
            fmt,
            media,
            sha256_file(paths[key]),
            paths[key].stat().st_size,
        )
        for key, (fmt, media) in kinds.items()
    )
    meta = DatasetMeta(
        id=DATASET_ID,
        title_ja="オープンデータ推進の指標（EBPM）",
        title_en="Open data programme indicators (EBPM)",
        description_ja="Tsunagu が記録した事実（カタログ、監査ログ、利用数）から毎日計算する、"
        "標準データセットの整備状況・品質・鮮度・利用・対応時間の指標です。",
        description_en="Coverage, quality, freshness, use and responsiveness of the city's open "
        "data, computed daily by Tsunagu from recorded facts (catalogue, audit log, counters).",
        organisation=OWNER[0],
        organisation_title_ja=OWNER[1],
        organisation_title_en=OWNER[2],
        standard="",
        standard_title="",
        licence="CC-BY-4.0",
        update_frequency="daily",
        tags=("EBPM", "オープンデータ"),
        municipality_code=municipality[0],
        municipality_name=municipality[1],
    )
    return catalogue.publish(PublishRequest(meta=meta, resources=files, actor=actor))
