"""Publish: turn a dataset's converted drafts into one all-or-nothing catalogue write.

A dataset is published only when every one of its source files validated and converted; one
blocked file blocks the dataset, so nothing half-checked is ever public. Resource identity is
(dataset id, resource key) with keys derived from the manifest's source keys, which is what
keeps ids and download URLs stable across updates.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tsunagu.catalogue.base import (
    Catalogue,
    DatasetMeta,
    PublishRequest,
    PublishResult,
    ResourceFile,
)
from tsunagu.catalogue.blobs import sha256_file
from tsunagu.errors import Severity
from tsunagu.manifest import Manifest
from tsunagu.model import Draft, Report
from tsunagu.publisher.audit import AuditLog
from tsunagu.publisher.batch import Outcome
from tsunagu.publisher.journal import AuditJournal

log = logging.getLogger(__name__)

KINDS = {
    "csv": ("CSV", "text/csv"),
    "geojson": ("GeoJSON", "application/geo+json"),
    "datapackage": ("JSON", "application/json"),
    "schema": ("JSON", "application/schema+json"),  # a dataset's own Table Schema
    "report-json": ("JSON", "application/json"),
    "report-html": ("HTML", "text/html"),
}


@dataclass(frozen=True)
class DatasetOutcome:
    manifest: Manifest
    result: PublishResult | None = None
    blocked_reason: str | None = None
    blocked_reason_en: str | None = None  # the same, for an English face (the audit keeps ja)


def blocked_reason(outcomes: list[Outcome], lang: str = "ja") -> str | None:
    """Why a dataset cannot be published, from its first blocking problem; None if it can."""
    for outcome in outcomes:
        if outcome.error is not None:
            return outcome.error.message_ja if lang == "ja" else outcome.error.message_en
        if outcome.draft is None or not outcome.valid:
            problems = outcome.draft.report.blocking if outcome.draft else []
            count = len(problems)
            first = problems[0].message(lang) if problems else "unreadable"
            return f"{count} 件のエラー: {first}" if lang == "ja" else f"{count} errors: {first}"
    return None


def table_schema(draft: Draft, kind: str = "csv") -> dict[str, Any] | None:
    """The Table Schema the draft's ``kind`` file was written with, from its datapackage.json
    (the one description of the file there is; the CKAN DataStore types its columns by it)."""
    path: Path | None = draft.artifacts.get("datapackage")
    if path is None or not path.is_file():
        return None
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    for resource in descriptor.get("resources", []):
        if resource.get("name") == kind and isinstance(resource.get("schema"), dict):
            return resource["schema"]
    return None


def keep_published_created(catalogue: Any, manifest: Manifest, drafts: list[Draft]) -> None:
    """Give each staged ``datapackage.json`` the published one's bytes when only ``created``
    differs, so publishing the same data again is "unchanged", not a new version.

    The CLI's runs get this from the seeded descriptor (``isolated.seed_descriptors``); a web
    upload was converted when it arrived, maybe before an identical upload was published, so
    its descriptor is checked here, at publish time, under the dataset's lock.
    """
    import shutil

    from tsunagu.errors import TsunaguError
    from tsunagu.formats.datapackage import unchanged_created

    for draft in drafts:
        path: Path | None = draft.artifacts.get("datapackage")
        if path is None:
            continue
        key = draft.report.facts.get("source_key", "main")
        try:
            published, _ = catalogue.open_file(
                manifest.id, "datapackage" if key == "main" else f"{key}-datapackage"
            )
            staged = json.loads(path.read_text(encoding="utf-8"))
        except (TsunaguError, OSError, ValueError):
            continue  # nothing published yet (or unreadable): the staged file stands
        if isinstance(staged, dict) and unchanged_created(Path(published), staged) is not None:
            shutil.copyfile(published, path)


def resource_files(draft: Draft) -> list[ResourceFile]:
    key = draft.report.facts.get("source_key", "main")
    files = []
    document = draft.report.facts.get("document")
    if document and draft.artifacts.get("document") is not None:
        return [_document_file(draft, key, document)]
    for kind, (fmt, mediatype) in KINDS.items():
        path: Path | None = draft.artifacts.get(kind)
        if path is None:
            continue
        resource_key = kind if key == "main" else f"{key}-{kind}"
        name = f"{path.parent.name}-{path.name}" if path.name.startswith("report.") else path.name
        files.append(
            ResourceFile(
                resource_key,
                path,
                name,
                fmt,
                mediatype,
                sha256_file(path),
                path.stat().st_size,
                table_schema=table_schema(draft, kind) if fmt == "CSV" else None,
            )
        )
    return files


def _document_file(draft: Draft, key: str, facts: dict[str, Any]) -> ResourceFile:
    """A document as published: its title, description and openness level travel with it."""
    path: Path = draft.artifacts["document"]
    spec = next(d for d in draft.manifest.documents if d.key == key)
    stars = "★" * facts["stars"]
    text = f"{spec.title.ja}（{stars}）" + (
        f": {spec.description.ja}" if spec.description.ja else ""
    )
    return ResourceFile(
        key,
        path,
        path.name,
        facts["format"],
        facts["mediatype"],
        sha256_file(path),
        path.stat().st_size,
        description=text,
    )


def dataset_meta(manifest: Manifest, drafts: list[Draft], standard_title: str) -> DatasetMeta:
    from tsunagu.publisher.as_of import data_as_of

    municipality = manifest.municipality
    bboxes = [d.report.facts["bbox"] for d in drafts if d.report.facts.get("bbox")]
    spatial = None
    if bboxes:
        w, s = min(b[0] for b in bboxes), min(b[1] for b in bboxes)
        e, n = max(b[2] for b in bboxes), max(b[3] for b in bboxes)
        spatial = {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}
    return DatasetMeta(
        id=manifest.id,
        title_ja=manifest.title.ja,
        title_en=manifest.title.en,
        description_ja=manifest.description.ja,
        description_en=manifest.description.en,
        organisation=manifest.department.slug,
        organisation_title_ja=manifest.department.name.ja,
        organisation_title_en=manifest.department.name.en,
        standard=manifest.standard,
        standard_title=standard_title,
        kind=manifest.kind,
        licence=manifest.licence,
        update_frequency=manifest.update_frequency,
        tags=manifest.tags,
        municipality_code=municipality.code if municipality else "",
        municipality_name=municipality.name if municipality else "",
        spatial=spatial,
        data_as_of=data_as_of(manifest, drafts),
        contact=manifest.contact.to_dict() if manifest.contact else None,
    )


def publish_dataset(
    catalogue: Catalogue,
    manifest: Manifest,
    outcomes: list[Outcome],
    *,
    standard_title: str,
    audit: AuditLog | None,
    actor: str = "cli",
    dry_run: bool = False,
    received: str | None = None,
) -> DatasetOutcome:
    """Publish one dataset if every file of it is valid; else record why it was blocked.

    Callers hold the dataset's lock (:mod:`tsunagu.services.publishing`, the one path the CLI and
    the web app take), so two publishes at once end in one consistent state on either catalogue:
    the second sees the first's result (unchanged, or its own complete update). The local
    catalogue also locks in its database; CKAN has no lock of its own.

    Both audit records carry each file's quality figures (``quality``, for the EBPM
    indicators) and, for a department upload, when the file was ``received``.
    """
    reason = blocked_reason(outcomes)
    extra: dict[str, Any] = {"quality": _quality(outcomes)}
    if received:
        extra["received"] = received
    if reason is not None:
        if audit and not dry_run:
            record_blocked(audit, catalogue.name, manifest, actor, reason, **extra)
        return DatasetOutcome(
            manifest, blocked_reason=reason, blocked_reason_en=blocked_reason(outcomes, "en")
        )
    drafts = [o.draft for o in outcomes if o.draft is not None]
    keep_published_created(catalogue, manifest, drafts)
    files = [f for d in drafts for f in resource_files(d)]
    summary = {o.label: severity_summary(o.draft.report) for o in outcomes if o.draft}
    request = PublishRequest(
        meta=dataset_meta(manifest, drafts, standard_title),
        resources=tuple(files),
        report={"summary": summary},
        actor=actor,
    )
    checksums = {f.key: f.sha256 for f in files}
    if audit is None or dry_run:
        return DatasetOutcome(manifest, result=catalogue.publish(request, dry_run=dry_run))
    journal = AuditJournal.beside(audit)
    details = {"checksums": checksums, "report": summary, **extra}
    with journal.pending(manifest.id, {"actor": actor, **details}) as entry:
        result = catalogue.publish(request, dry_run=dry_run)
        try:
            audit.record(
                "publish",
                actor,
                dataset=manifest.id,
                catalogue=catalogue.name,
                result=result.action,
                version=result.version,
                uploads=result.uploads,
                **details,
            )
        except OSError:  # published, not yet audited: the journal entry stays for the replay
            log.exception("audit record of %s kept in the journal", manifest.id)
            return DatasetOutcome(manifest, result=result)
        journal.settle(entry)
    return DatasetOutcome(manifest, result=result)


def severity_summary(report: Report) -> dict[str, int]:
    """``Report.to_dict()["summary"]`` (count per severity, every severity), counted without
    rendering every problem's messages: at 1M problems that rendering took minutes."""
    counts = Counter(p.severity for p in report.problems)
    return {sev.value: counts[sev] for sev in Severity}


def record_blocked(
    audit: AuditLog, catalogue: str, manifest: Manifest, actor: str, reason: str, **extra: Any
) -> None:
    """The ``blocked`` audit record of a dataset that was not published (bad data or a fault),
    with the department and standard the EBPM indicators group it by."""
    audit.record(
        "blocked",
        actor,
        dataset=manifest.id,
        catalogue=catalogue,
        reason=reason,
        department=manifest.department.slug,
        department_title={"ja": manifest.department.name.ja, "en": manifest.department.name.en},
        standard=manifest.standard,
        title={"ja": manifest.title.ja, "en": manifest.title.en},
        **extra,
    )


def _quality(outcomes: list[Outcome]) -> dict[str, dict]:
    from tsunagu.validators.quality_facts import quality_facts

    return {o.label: quality_facts(o.draft.report, o.draft.table) for o in outcomes if o.draft}
