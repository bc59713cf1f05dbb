"""Compute the indicators (README "EBPM indicators" defines each one) from a :class:`Facts`.

Everything is a pure function of the facts and the period: the same facts give the same figures,
which is what lets the tests freeze time, build a catalogue with a known history and assert every
number. Dates are UTC; a period ``[start, end]`` includes both days.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from typing import Any

from tsunagu.catalogue.base import DatasetRecord, VersionRecord
from tsunagu.catalogue.openness import LINKED_FORMATS, OPEN_FORMATS, STRUCTURED_FORMATS
from tsunagu.catalogue.usage import SITE, UsageRow
from tsunagu.errors import TsunaguError


class PeriodError(TsunaguError):
    """A report period that cannot be read or is upside down (a user error, HTTP 400)."""

    code = "bad-period"
    http_status = 400


def parse_day(value: str | None, name: str) -> date | None:
    """``YYYY-MM-DD`` from a form or the command line; None when empty."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise PeriodError(
            f"{name} must be a date like 2026-04-01, not {value[:40]!r}",
            message_ja=f"{name} は 2026-04-01 のような日付で指定してください（「{value[:40]}」）",
        ) from exc


#: the longest period a report covers: the report walks it day by day, so an unbounded one
#: (``from=0296-05-15``) would hold a web worker for many seconds per request
MAX_PERIOD_DAYS = 20 * 366


#: days in each declared update period (the same periods as the dataset page's 次回更新予定)
FREQUENCY_DAYS = {"daily": 1, "weekly": 7, "monthly": 31, "quarterly": 92, "yearly": 366}
#: a quarter of the period late is still "due"; past that a dataset is "overdue"
GRACE = 0.25
OPEN_LICENCES = frozenset({"CC-BY-4.0", "CC0-1.0", "CC-BY-SA-4.0", "ODC-BY-1.0", "PDDL-1.0"})
#: dataset ids the platform itself publishes (not counted as the city's own datasets)
PLATFORM_DATASETS = frozenset({"tsunagu-indicators"})


@dataclass(frozen=True)
class Standard:
    slug: str
    title_ja: str
    title_en: str


@dataclass(frozen=True)
class Facts:
    """Everything the indicators may use; gathered by :mod:`tsunagu.indicators.gather`."""

    standards: tuple[Standard, ...]
    datasets: tuple[DatasetRecord, ...]
    versions: dict[str, list[VersionRecord]]
    audit: tuple[dict[str, Any], ...]
    usage: tuple[UsageRow, ...]


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    now: datetime  # the instant "as of": end of ``end`` or now, whichever is earlier

    @classmethod
    def of(cls, start: date | None, end: date | None, now: datetime) -> Period:
        end = end or now.date()
        start = start or end - timedelta(days=29)
        if start > end:
            raise PeriodError(
                f"the period starts ({start}) after it ends ({end})",
                message_ja=f"期間の開始日（{start}）が終了日（{end}）より後です",
            )
        if (end - start).days >= MAX_PERIOD_DAYS:
            raise PeriodError(
                f"the period {start} to {end} is longer than {MAX_PERIOD_DAYS} days",
                message_ja=f"期間（{start}〜{end}）が {MAX_PERIOD_DAYS} 日を超えています",
            )
        end_instant = datetime.combine(end, time.max, tzinfo=UTC)
        return cls(start, end, min(now, end_instant))

    def holds(self, instant: datetime) -> bool:
        return self.start <= instant.date() <= self.end


@dataclass(frozen=True)
class Department:
    slug: str
    title_ja: str
    title_en: str


@dataclass(frozen=True)
class CoverageRow:
    standard: str
    title_ja: str
    title_en: str
    status: str  # published | blocked | missing
    datasets: tuple[str, ...]
    departments: tuple[str, ...]


@dataclass(frozen=True)
class OpennessRow:
    dataset_id: str
    department: str
    standard: str  # "" or a slug outside the list for a non-standard dataset
    stars: int


@dataclass(frozen=True)
class QualityRow:
    dataset_id: str
    department: str
    version: int | None
    cells: int | None
    problem_cells: int | None
    problem_share: float | None  # problem_cells / cells, None when not recorded
    warnings: int | None
    errors: int | None
    rules_passed: tuple[str, ...]
    rules_failed: tuple[str, ...]
    blocked_attempts: int
    blocked_days: float  # total days blocked in the period's spans (open span: until now)
    blocked_now: bool
    history: tuple[tuple[int | None, float | None], ...] = ()  # (version, share) per publication


@dataclass(frozen=True)
class FreshnessRow:
    dataset_id: str
    title_ja: str
    title_en: str
    department: str
    frequency: str
    last_update: str
    expected: str | None  # ISO date the next update was expected, None when not scheduled
    status: str  # on_time | due | overdue | unscheduled
    days_overdue: int


@dataclass(frozen=True)
class UseRow:
    dataset_id: str
    department: str
    page_views: int
    downloads: int
    api_requests: int


@dataclass(frozen=True)
class Interval:
    dataset_id: str
    department: str
    start: str
    end: str | None
    days: float


@dataclass(frozen=True)
class Indicators:
    period: Period
    department: str | None
    departments: tuple[Department, ...]
    coverage: tuple[CoverageRow, ...]
    openness: tuple[OpennessRow, ...]
    quality: tuple[QualityRow, ...]
    quality_trend: tuple[tuple[str, float, int], ...]  # (day, problem share, datasets)
    freshness: tuple[FreshnessRow, ...]
    use: tuple[UseRow, ...]
    use_daily: tuple[tuple[str, int, int, int], ...]  # (day, page views, downloads, api)
    downloads_by_resource: tuple[tuple[str, str, int], ...]  # (dataset, resource key, n)
    api_site: int  # API requests about no single dataset (search, lists)
    use_by_dataset_day: tuple[tuple[str, str, int, int, int], ...]  # (dataset, day, p, d, api)
    upload_to_publication: tuple[Interval, ...]
    blocked_to_fixed: tuple[Interval, ...]
    summary: dict[str, Any] = field(default_factory=dict)

    def department_title(self, slug: str, lang: str = "ja") -> str:
        for dept in self.departments:
            if dept.slug == slug:
                return (dept.title_en or dept.title_ja) if lang == "en" else dept.title_ja
        return slug


def parse_instant(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _days(delta: timedelta) -> float:
    return round(delta.total_seconds() / 86400, 2)


def compute(
    facts: Facts,
    *,
    start: date | None = None,
    end: date | None = None,
    now: datetime | None = None,
    department: str | None = None,
) -> Indicators:
    """The indicators for ``[start, end]`` (default: the 30 days up to today), optionally for
    one department only."""
    period = Period.of(start, end, now or datetime.now(UTC))
    every = [d for d in facts.datasets if d.meta.id not in PLATFORM_DATASETS]
    audit = [e for e in facts.audit if e.get("dataset") not in PLATFORM_DATASETS and "at" in e]
    owners = _owners(every, audit)
    departments = _departments(every, audit)  # every department ever seen, whatever the period
    datasets = [d for d in every if parse_instant(d.created) <= period.now]
    audit = [e for e in audit if parse_instant(e["at"]) <= period.now]
    audit.sort(key=lambda e: e["at"])
    if department is not None:
        datasets = [d for d in datasets if d.meta.organisation == department]
        audit = [e for e in audit if owners.get(e.get("dataset", "")) == department]
    versions = {
        d.meta.id: [
            v for v in facts.versions.get(d.meta.id, []) if parse_instant(v.created) <= period.now
        ]
        for d in datasets
    }
    spans = _blocked_spans(audit, owners, period)
    use = _use(facts.usage, datasets, period, department)
    received = _upload_to_publication(audit, owners, period)
    fixed = tuple(s for s in spans if s.end is not None and period.holds(parse_instant(s.end)))
    result = Indicators(
        period=period,
        department=department,
        departments=departments,
        coverage=_coverage(facts.standards, datasets, audit, owners),
        openness=tuple(_openness(d) for d in datasets),
        quality=_quality(datasets, versions, audit, spans, period),
        quality_trend=_quality_trend(audit, period),
        freshness=tuple(_freshness(d, versions[d.meta.id], period) for d in datasets),
        use=use.rows,
        use_daily=use.daily,
        downloads_by_resource=use.by_resource,
        api_site=use.site,
        use_by_dataset_day=use.by_dataset_day,
        upload_to_publication=received,
        blocked_to_fixed=fixed,
    )
    result.summary.update(_summary(result, facts.standards))
    return result


# -- who owns what -----------------------------------------------------------------------
def _owners(datasets: Iterable[DatasetRecord], audit: list[dict[str, Any]]) -> dict[str, str]:
    owners = {e["dataset"]: e["department"] for e in audit if e.get("department")}
    owners.update({d.meta.id: d.meta.organisation for d in datasets})
    return owners


def _departments(
    datasets: Iterable[DatasetRecord], audit: list[dict[str, Any]]
) -> tuple[Department, ...]:
    found: dict[str, Department] = {}
    for e in audit:
        if e.get("department"):
            title = e.get("department_title") or {}
            found[e["department"]] = Department(
                e["department"], title.get("ja", e["department"]), title.get("en", "")
            )
    for d in datasets:
        m = d.meta
        found[m.organisation] = Department(
            m.organisation, m.organisation_title_ja, m.organisation_title_en
        )
    return tuple(sorted(found.values(), key=lambda dept: dept.slug))


# -- coverage ----------------------------------------------------------------------------
def _coverage(
    standards: Iterable[Standard],
    datasets: list[DatasetRecord],
    audit: list[dict[str, Any]],
    owners: dict[str, str],
) -> tuple[CoverageRow, ...]:
    published: dict[str, list[DatasetRecord]] = defaultdict(list)
    for d in datasets:
        published[d.meta.standard].append(d)
    blocked: dict[str, set[str]] = defaultdict(set)
    for e in audit:
        if e.get("action") == "blocked" and e.get("standard"):
            blocked[e["standard"]].add(e["dataset"])
    rows = []
    for std in standards:
        if published.get(std.slug):
            ids = tuple(sorted(d.meta.id for d in published[std.slug]))
            status = "published"
        elif blocked.get(std.slug):
            ids, status = tuple(sorted(blocked[std.slug])), "blocked"
        else:
            ids, status = (), "missing"
        depts = tuple(sorted({owners[i] for i in ids if i in owners}))
        rows.append(CoverageRow(std.slug, std.title_ja, std.title_en, status, ids, depts))
    return tuple(rows)


def stars(record: DatasetRecord) -> int:
    """Tim Berners-Lee's 5★ open data, from what the catalogue records (README defines it)."""
    formats = {r.format.upper() for r in record.resources}
    if record.meta.licence not in OPEN_LICENCES:
        return 0
    if not formats & STRUCTURED_FORMATS:
        return 1
    if not formats & OPEN_FORMATS:
        return 2
    if not formats & LINKED_FORMATS:
        return 3
    return 4  # ★5 (links to other people's data) cannot be read from the catalogue: not claimed


def _openness(record: DatasetRecord) -> OpennessRow:
    return OpennessRow(
        record.meta.id, record.meta.organisation, record.meta.standard, stars(record)
    )


# -- quality -----------------------------------------------------------------------------
def _blocked_spans(
    audit: list[dict[str, Any]], owners: dict[str, str], period: Period
) -> tuple[Interval, ...]:
    """Each run of blocked attempts until the next publish of the same dataset (the fix)."""
    open_since: dict[str, str] = {}
    spans: list[Interval] = []
    for e in audit:
        dataset = e.get("dataset", "")
        if e.get("action") == "blocked":
            open_since.setdefault(dataset, e["at"])
        elif e.get("action") == "publish" and dataset in open_since:
            began = open_since.pop(dataset)
            took = parse_instant(e["at"]) - parse_instant(began)
            spans.append(Interval(dataset, owners.get(dataset, ""), began, e["at"], _days(took)))
    for dataset, began in open_since.items():
        took = period.now - parse_instant(began)
        spans.append(Interval(dataset, owners.get(dataset, ""), began, None, _days(took)))
    return tuple(sorted(spans, key=lambda s: (s.start, s.dataset_id)))


def _merged_quality(entry: dict[str, Any]) -> dict[str, Any] | None:
    """One dataset's figures from an audit entry's per-file ``quality`` (summed over files)."""
    files = entry.get("quality")
    if not files:
        return None
    problems: Counter[str] = Counter()
    passed: set[str] = set()
    failed: set[str] = set()
    for q in files.values():
        problems.update(q.get("problems", {}))
        failed.update(q.get("rules_failed", []))
        passed.update(q.get("rules_passed", []))
    cells = sum(q.get("cells", 0) for q in files.values())
    marked = sum(q.get("problem_cells", 0) for q in files.values())
    return {
        "cells": cells,
        "problem_cells": marked,
        "warnings": problems.get("warning", 0),
        "errors": problems.get("error", 0) + problems.get("block", 0),
        "rules_failed": tuple(sorted(failed)),
        "rules_passed": tuple(sorted(passed - failed)),
    }


def _share(marked: int, cells: int) -> float | None:
    return round(marked / cells, 4) if cells else None


def _quality(
    datasets: list[DatasetRecord],
    versions: dict[str, list[VersionRecord]],
    audit: list[dict[str, Any]],
    spans: tuple[Interval, ...],
    period: Period,
) -> tuple[QualityRow, ...]:
    latest: dict[str, dict[str, Any]] = {}
    history: dict[str, list[tuple[int | None, float | None]]] = defaultdict(list)
    for e in audit:
        if e.get("action") == "publish" and e.get("quality"):
            latest[e["dataset"]] = e
            q = _merged_quality(e)
            if e.get("result") != "unchanged" and q is not None:
                history[e["dataset"]].append(
                    (e.get("version"), _share(q["problem_cells"], q["cells"]))
                )
    attempts = Counter(
        e["dataset"]
        for e in audit
        if e.get("action") == "blocked" and period.holds(parse_instant(e["at"]))
    )
    rows = []
    ids = {d.meta.id: d for d in datasets}
    ids_blocked_only = sorted({s.dataset_id for s in spans} - set(ids))
    for dataset_id in [*sorted(ids), *ids_blocked_only]:
        own = [s for s in spans if s.dataset_id == dataset_id]
        in_period = [s for s in own if s.end is None or period.holds(parse_instant(s.end))]
        q = _merged_quality(latest[dataset_id]) if dataset_id in latest else None
        record = ids.get(dataset_id)
        department = record.meta.organisation if record else (own[0].department if own else "")
        version = versions[dataset_id][0].number if versions.get(dataset_id) else None
        rows.append(
            QualityRow(
                dataset_id=dataset_id,
                department=department,
                version=version,
                cells=q["cells"] if q else None,
                problem_cells=q["problem_cells"] if q else None,
                problem_share=_share(q["problem_cells"], q["cells"]) if q else None,
                warnings=q["warnings"] if q else None,
                errors=q["errors"] if q else None,
                rules_passed=q["rules_passed"] if q else (),
                rules_failed=q["rules_failed"] if q else (),
                blocked_attempts=attempts.get(dataset_id, 0),
                blocked_days=round(sum(s.days for s in in_period), 2),
                blocked_now=any(s.end is None for s in own),
                history=tuple(history.get(dataset_id, ())),
            )
        )
    return tuple(rows)


def _quality_trend(
    audit: list[dict[str, Any]], period: Period
) -> tuple[tuple[str, float, int], ...]:
    """Share of problem cells over the latest published version of every dataset, as it stood
    at the end of each day in the period on which something was published."""
    latest: dict[str, dict[str, Any]] = {}
    by_day: dict[str, tuple[float, int]] = {}
    for e in audit:
        if e.get("action") != "publish":
            continue
        q = _merged_quality(e)
        if q is None:
            continue
        latest[e["dataset"]] = q
        day = parse_instant(e["at"]).date()
        if day < period.start:
            continue
        cells = sum(v["cells"] for v in latest.values())
        marked = sum(v["problem_cells"] for v in latest.values())
        by_day[day.isoformat()] = (_share(marked, cells) or 0.0, len(latest))
    return tuple((day, share, n) for day, (share, n) in sorted(by_day.items()))


# -- freshness ---------------------------------------------------------------------------
def freshness_of(frequency: str, last: datetime, now: datetime) -> tuple[str, date | None, int]:
    """(status, expected update date, days overdue) for a dataset last updated at ``last``."""
    days = FREQUENCY_DAYS.get(frequency)
    if days is None:
        return "unscheduled", None, 0
    expected = last + timedelta(days=days)
    if now < expected:
        return "on_time", expected.date(), 0
    if now <= last + timedelta(days=days * (1 + GRACE)):
        return "due", expected.date(), 0
    return "overdue", expected.date(), (now - expected).days


def _freshness(
    record: DatasetRecord, versions: list[VersionRecord], period: Period
) -> FreshnessRow:
    last = versions[0].created if versions else record.modified
    status, expected, late = freshness_of(
        record.meta.update_frequency, parse_instant(last), period.now
    )
    m = record.meta
    return FreshnessRow(
        m.id,
        m.title_ja,
        m.title_en,
        m.organisation,
        m.update_frequency,
        last,
        expected.isoformat() if expected else None,
        status,
        late,
    )


# -- use ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _UseFigures:
    rows: tuple[UseRow, ...]
    daily: tuple[tuple[str, int, int, int], ...]
    by_resource: tuple[tuple[str, str, int], ...]
    site: int
    by_dataset_day: tuple[tuple[str, str, int, int, int], ...]


def _use(
    usage: Iterable[UsageRow],
    datasets: list[DatasetRecord],
    period: Period,
    department: str | None,
) -> _UseFigures:
    owners = {d.meta.id: d.meta.organisation for d in datasets}
    per: dict[str, Counter[str]] = defaultdict(Counter)
    per_day: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    daily: dict[str, Counter[str]] = defaultdict(Counter)
    resources: Counter[tuple[str, str]] = Counter()
    site = 0
    day = period.start
    while day <= period.end:  # every day of the period, zeros included (charts need them)
        daily[day.isoformat()]
        day += timedelta(days=1)
    for row in usage:
        if not (period.start.isoformat() <= row.day <= period.end.isoformat()):
            continue
        if row.dataset_id == SITE:
            if department is None:
                site += row.count
                daily[row.day][row.kind] += row.count
            continue
        if row.dataset_id not in owners:
            continue  # a dataset since removed, another department's, or the platform's own
        per[row.dataset_id][row.kind] += row.count
        per_day[(row.dataset_id, row.day)][row.kind] += row.count
        daily[row.day][row.kind] += row.count
        if row.kind == "download":
            resources[(row.dataset_id, row.resource_key)] += row.count
    rows = tuple(
        UseRow(i, owners[i], per[i]["page"], per[i]["download"], per[i]["api"])
        for i in sorted(owners)
    )
    series = tuple((d, c["page"], c["download"], c["api"]) for d, c in sorted(daily.items()))
    by_resource = tuple((ds, key, n) for (ds, key), n in sorted(resources.items()))
    by_dataset_day = tuple(
        (ds, d, c["page"], c["download"], c["api"]) for (ds, d), c in sorted(per_day.items())
    )
    return _UseFigures(rows, series, by_resource, site, by_dataset_day)


# -- responsiveness ----------------------------------------------------------------------
def _upload_to_publication(
    audit: list[dict[str, Any]], owners: dict[str, str], period: Period
) -> tuple[Interval, ...]:
    out = []
    for e in audit:
        if (
            e.get("action") == "publish"
            and e.get("received")
            and period.holds(parse_instant(e["at"]))
        ):
            took = parse_instant(e["at"]) - parse_instant(e["received"])
            dataset = e["dataset"]
            out.append(
                Interval(dataset, owners.get(dataset, ""), e["received"], e["at"], _days(took))
            )
    return tuple(out)


# -- headline figures --------------------------------------------------------------------
def _median(values: list[float]) -> float | None:
    return round(median(values), 2) if values else None


def _summary(ind: Indicators, standards: tuple[Standard, ...]) -> dict[str, Any]:
    statuses = Counter(r.status for r in ind.coverage)
    fresh = Counter(r.status for r in ind.freshness)
    slugs = {s.slug for s in standards}
    cells = sum(q.cells or 0 for q in ind.quality)
    marked = sum(q.problem_cells or 0 for q in ind.quality)
    return {
        "standards_total": len(standards),
        "standards_published": statuses.get("published", 0),
        "standards_blocked": statuses.get("blocked", 0),
        "standards_missing": statuses.get("missing", 0),
        "datasets": len(ind.freshness),
        "non_standard_datasets": sum(1 for o in ind.openness if o.standard not in slugs),
        "stars": dict(sorted(Counter(o.stars for o in ind.openness).items())),
        "non_standard_stars": dict(
            sorted(Counter(o.stars for o in ind.openness if o.standard not in slugs).items())
        ),
        "problem_cell_share": _share(marked, cells),
        "blocked_attempts": sum(q.blocked_attempts for q in ind.quality),
        "blocked_now": sum(1 for q in ind.quality if q.blocked_now),
        "on_time": fresh.get("on_time", 0),
        "due": fresh.get("due", 0),
        "overdue": fresh.get("overdue", 0),
        "unscheduled": fresh.get("unscheduled", 0),
        "page_views": sum(u.page_views for u in ind.use),
        "downloads": sum(u.downloads for u in ind.use),
        "api_requests": sum(u.api_requests for u in ind.use) + ind.api_site,
        "median_days_upload_to_publication": _median([i.days for i in ind.upload_to_publication]),
        "median_days_blocked_to_fixed": _median([i.days for i in ind.blocked_to_fixed]),
    }
