"""The EBPM dashboard (``/dashboard``), the indicators' live open-data answers, each
department's to-do list and the dataset page's charts (template helpers).

Every figure comes from :func:`tsunagu.indicators.compute.compute` over the recorded facts;
this module only chooses the period and department from the query and renders.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, render_template, request

from tsunagu.errors import DatasetNotFound
from tsunagu.indicators.compute import Indicators, compute, parse_day
from tsunagu.indicators.gather import gather
from tsunagu.indicators.opendata import DATASET_ID, TABLE_SCHEMA, rows, to_json
from tsunagu.webapp.context import web

bp = Blueprint("dashboard", __name__)
MAX_TODO = 20


def _indicators(department: str | None = None) -> Indicators:
    ctx = web()
    start = parse_day(request.args.get("from"), "from")
    end = parse_day(request.args.get("to"), "to")
    facts = gather(ctx.settings, ctx.catalogue)
    return compute(facts, start=start, end=end, department=department or None)


@bp.get("/dashboard")
def dashboard() -> str:
    department = request.args.get("department", "")[:100]
    ind = _indicators(department)
    known = {d.slug for d in ind.departments}
    if department and department not in known:
        raise DatasetNotFound(
            f"no department {department!r}", message_ja=f"部署「{department}」はありません"
        )
    quality_rows = [(day, round(share * 100, 2)) for day, share, _ in ind.quality_trend]
    try:
        web().catalogue.get_dataset(DATASET_ID)
        published = True
    except DatasetNotFound:  # `tsunagu report --publish` has not run yet: no link to a 404
        published = False
    return render_template(
        "dashboard.html",
        ind=ind,
        department=department,
        quality_rows=quality_rows,
        indicators_published=published,
    )


@bp.get("/api/v1/indicators")
def indicators_json() -> Any:
    return to_json(_indicators(request.args.get("department")))


@bp.get("/api/v1/indicators.csv")
def indicators_csv() -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, [f["name"] for f in TABLE_SCHEMA["fields"]])
    writer.writeheader()
    writer.writerows(rows(_indicators(request.args.get("department"))))
    return Response(out.getvalue(), mimetype="text/csv; charset=utf-8")


@bp.get("/api/v1/indicators/schema.json")
def indicators_schema() -> Any:
    return TABLE_SCHEMA


def department_todo(org_id: str) -> dict[str, list[Any]]:
    """What a department should do next: overdue (and due) datasets, datasets whose last
    publication had warnings (most problem cells first) and datasets still blocked."""
    ctx = web()
    ind = compute(gather(ctx.settings, ctx.catalogue), department=org_id)
    late = [f for f in ind.freshness if f.status in ("overdue", "due")]
    late.sort(key=lambda f: (f.status != "overdue", -f.days_overdue))
    warned = [q for q in ind.quality if (q.warnings or 0) > 0 and not q.blocked_now]
    warned.sort(key=lambda q: (-(q.problem_cells or 0), q.dataset_id))
    blocked = [q for q in ind.quality if q.blocked_now]
    reasons = {
        e["dataset"]: e.get("reason", "")
        for e in gather_blocked(ctx.settings)
        if e.get("department") == org_id
    }
    return {
        "late": late[:MAX_TODO],
        "warned": warned[:MAX_TODO],
        "blocked": [(q, reasons.get(q.dataset_id, "")) for q in blocked][:MAX_TODO],
        "uploads": rejected_uploads(ctx.settings, org_id)[:MAX_TODO],
    }


def rejected_uploads(settings: Any, org_id: str) -> list[dict[str, Any]]:
    """The department's uploads that could not be published: for each dataset id, its newest
    upload when that one was found invalid or failed (only the id, the date and the number of
    blocking problems: never the file's name or content, this page is public)."""
    from tsunagu.services.uploads import UploadStore

    newest: dict[str, Any] = {}
    for upload in UploadStore(settings).for_department(org_id):  # newest first
        newest.setdefault(str(upload.status.get("dataset_id", "")), upload)
    out = []
    for dataset_id, upload in sorted(newest.items()):
        if upload.state not in ("invalid", "failed"):
            continue
        counts = [o.get("counts", {}) for o in upload.status.get("outcomes", [])]
        errors = sum(c.get("error", 0) + c.get("block", 0) for c in counts)
        created = str(upload.status.get("created", ""))[:10]
        out.append({"dataset_id": dataset_id, "date": created, "errors": errors,
                    "state": upload.state})  # fmt: skip
    return out


def recorded_departments(settings: Any) -> dict[str, dict[str, str]]:
    """Every department named in the audit log (publishes and blocked attempts) → its titles
    ``{"ja": …, "en": …}`` as last recorded; the slug matches the log exactly, never a path."""
    from tsunagu.indicators.gather import audit_path
    from tsunagu.publisher.audit import AuditLog

    found: dict[str, dict[str, str]] = {}
    for e in AuditLog(audit_path(settings)).entries():
        slug = e.get("department")
        if isinstance(slug, str) and slug:
            title = e.get("department_title")
            found[slug] = title if isinstance(title, dict) else found.get(slug, {})
    return found


def gather_blocked(settings: Any) -> list[dict[str, Any]]:
    from tsunagu.indicators.gather import audit_path
    from tsunagu.publisher.audit import AuditLog

    return [e for e in AuditLog(audit_path(settings)).entries() if e.get("action") == "blocked"]


def dataset_charts(record: Any) -> Any:
    """Chart tables for a dataset page (None when it has no published CSV or no numbers)."""
    from tsunagu.webapp.dataset_charts import chart_data

    if not any(r.key == "csv" for r in record.resources):
        return None
    data = chart_data(web().catalogue.open_file(record.meta.id, "csv")[0])
    return data if data.any else None


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"department_todo": department_todo, "dataset_charts": dataset_charts}
