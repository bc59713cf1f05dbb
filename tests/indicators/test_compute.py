"""Every figure of the indicators, worked out by hand from the known history in conftest.py.

History (UTC): 03-01 10:00 aed v1 published (kenko, AED standard, yearly; 100 cells, 5 with
problems, 6 warnings, rule 1-10 failed) · 03-02 09:00 toilets blocked (koen) · 03-04 21:00
toilets v1 published (weekly; 50 cells, clean; uploaded 03-04 09:00) · 03-10 00:00 aed v2
(1 problem cell, 1 warning, no rule failed) · 03-20 12:00 bunka-props blocked, never fixed ·
03-23 00:00 my-own published (shimin, no standard, weekly; 20 clean cells). Use: see conftest.
Now: 2026-03-31 12:00; default period 03-02 … 03-31.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tsunagu.indicators.compute import PeriodError, compute, freshness_of, parse_day
from tsunagu.indicators.gather import gather

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)


@pytest.fixture
def ind(kashiwa):
    return compute(gather(kashiwa.settings, kashiwa.catalogue), now=NOW)


def test_period_defaults_to_the_30_days_up_to_now(ind):
    assert (ind.period.start, ind.period.end) == (date(2026, 3, 2), date(2026, 3, 31))
    assert ind.period.now == NOW


def test_coverage_against_the_full_list_of_standards(ind):
    by_slug = {c.standard: c for c in ind.coverage}
    assert len(by_slug) == 13  # every standard of the registry, published or not
    assert by_slug["aed-installations"].status == "published"
    assert by_slug["aed-installations"].datasets == ("aed",)
    assert by_slug["aed-installations"].departments == ("kenko",)
    assert by_slug["public-toilets"].status == "published"
    assert by_slug["cultural-properties"].status == "blocked"
    assert by_slug["cultural-properties"].datasets == ("bunka-props",)
    assert by_slug["cultural-properties"].departments == ("bunka",)
    missing = [c.standard for c in ind.coverage if c.status == "missing"]
    assert len(missing) == 10 and "medical-institutions" in missing
    s = ind.summary
    assert (s["standards_total"], s["standards_published"]) == (13, 2)
    assert (s["standards_blocked"], s["standards_missing"]) == (1, 10)
    assert s["non_standard_datasets"] == 1  # my-own
    assert s["stars"] == {3: 3}  # open licence + CSV, no linked-data format
    assert s["non_standard_stars"] == {3: 1}  # my-own alone: the levels of the 独自 datasets


def test_quality_per_dataset(ind):
    q = {row.dataset_id: row for row in ind.quality}
    assert list(q) == ["aed", "my-own", "toilets", "bunka-props"]
    aed = q["aed"]
    assert (aed.version, aed.cells, aed.problem_cells, aed.problem_share) == (2, 100, 1, 0.01)
    assert (aed.warnings, aed.rules_failed, len(aed.rules_passed)) == (1, (), 8)
    assert (aed.blocked_attempts, aed.blocked_days, aed.blocked_now) == (0, 0, False)
    assert aed.history == ((1, 0.05), (2, 0.01))  # the trend across versions
    toilets = q["toilets"]
    assert (toilets.problem_share, toilets.blocked_attempts) == (0.0, 1)
    assert (toilets.blocked_days, toilets.blocked_now) == (2.5, False)  # 03-02 09:00 → 03-04 21:00
    bunka = q["bunka-props"]
    assert (bunka.version, bunka.cells, bunka.problem_share) == (None, None, None)
    assert (bunka.blocked_attempts, bunka.blocked_days, bunka.blocked_now) == (1, 11.0, True)
    assert bunka.department == "bunka"
    assert ind.summary["problem_cell_share"] == round(1 / 170, 4)
    assert (ind.summary["blocked_attempts"], ind.summary["blocked_now"]) == (2, 1)


def test_quality_trend_by_day_of_publication(ind):
    # aed v1 (03-01) is before the period but is the state the 03-04 figure starts from
    assert ind.quality_trend == (
        ("2026-03-04", round(5 / 150, 4), 2),
        ("2026-03-10", round(1 / 150, 4), 2),
        ("2026-03-23", round(1 / 170, 4), 3),
    )


def test_freshness_on_time_due_overdue(ind):
    f = {row.dataset_id: row for row in ind.freshness}
    assert (f["aed"].status, f["aed"].expected, f["aed"].days_overdue) == (
        "on_time",
        "2027-03-11",
        0,
    )
    # weekly, last 03-04 21:00: expected 03-11 21:00, grace to 03-13 15:00; now 03-31 12:00
    assert (f["toilets"].status, f["toilets"].expected, f["toilets"].days_overdue) == (
        "overdue",
        "2026-03-11",
        19,
    )
    assert f["toilets"].department == "koen"
    # weekly, last 03-23 00:00: expected 03-30 00:00, grace to 03-31 18:00 → due
    assert (f["my-own"].status, f["my-own"].days_overdue) == ("due", 0)
    assert f["aed"].last_update == "2026-03-10T00:00:00+00:00"
    s = ind.summary
    assert (s["on_time"], s["due"], s["overdue"], s["unscheduled"]) == (1, 1, 1, 0)


def test_use_counts_in_the_period_only(ind):
    use = {u.dataset_id: u for u in ind.use}
    assert (use["aed"].page_views, use["aed"].downloads, use["aed"].api_requests) == (3, 2, 5)
    assert (use["toilets"].downloads, use["my-own"].downloads) == (1, 0)
    assert "removed-dataset" not in use  # counts of datasets no longer in the catalogue
    assert ind.api_site == 4
    assert ind.downloads_by_resource == (("aed", "csv", 2), ("toilets", "csv", 1))
    assert ind.use_by_dataset_day == (
        ("aed", "2026-03-29", 3, 2, 0),
        ("aed", "2026-03-30", 0, 0, 5),
        ("toilets", "2026-03-30", 0, 1, 0),
    )
    daily = {d[0]: d[1:] for d in ind.use_daily}
    assert len(daily) == 30 and daily["2026-03-02"] == (0, 0, 0)
    assert daily["2026-03-29"] == (3, 2, 0)
    assert daily["2026-03-30"] == (0, 1, 9)
    s = ind.summary
    assert (s["page_views"], s["downloads"], s["api_requests"]) == (3, 3, 9)


def test_responsiveness(ind):
    assert [(i.dataset_id, i.days) for i in ind.upload_to_publication] == [("toilets", 0.5)]
    assert [(i.dataset_id, i.start[:16], i.end[:16], i.days) for i in ind.blocked_to_fixed] == [
        ("toilets", "2026-03-02T09:00", "2026-03-04T21:00", 2.5)
    ]
    assert ind.summary["median_days_upload_to_publication"] == 0.5
    assert ind.summary["median_days_blocked_to_fixed"] == 2.5


def test_one_department(kashiwa):
    ind = compute(gather(kashiwa.settings, kashiwa.catalogue), now=NOW, department="koen")
    assert [c.standard for c in ind.coverage if c.status != "missing"] == ["public-toilets"]
    assert [q.dataset_id for q in ind.quality] == ["toilets"]
    assert [f.dataset_id for f in ind.freshness] == ["toilets"]
    assert ind.api_site == 0 and ind.summary["api_requests"] == 0
    assert ind.summary["downloads"] == 1
    assert ind.department_title("koen") == "koen課"
    assert {d.slug for d in ind.departments} == {"kenko", "koen", "bunka", "shimin"}


def test_an_earlier_period_sees_the_catalogue_as_it_was(kashiwa):
    facts = gather(kashiwa.settings, kashiwa.catalogue)
    ind = compute(facts, start=date(2026, 3, 15), end=date(2026, 3, 25), now=NOW)
    q = {row.dataset_id: row for row in ind.quality}
    assert q["bunka-props"].blocked_days == 5.5  # 03-20 12:00 → end of 03-25
    assert q["toilets"].blocked_attempts == 0 and ind.blocked_to_fixed == ()
    f = {row.dataset_id: row for row in ind.freshness}
    assert (f["toilets"].status, f["toilets"].days_overdue) == ("overdue", 14)
    assert f["my-own"].status == "on_time"
    assert ind.summary["downloads"] == 0
    before = compute(facts, start=date(2026, 3, 1), end=date(2026, 3, 3), now=NOW)
    assert [f.dataset_id for f in before.freshness] == ["aed"]  # the others did not exist yet
    assert before.quality[0].version == 1 and before.quality[0].problem_share == 0.05
    cov = {c.standard: c.status for c in before.coverage}
    assert cov["public-toilets"] == "blocked"


def test_freshness_rule_edges():
    last = datetime(2026, 1, 1, tzinfo=UTC)
    assert freshness_of("monthly", last, datetime(2026, 2, 1, tzinfo=UTC)) == (
        "due",
        date(2026, 2, 1),
        0,
    )
    assert freshness_of("monthly", last, datetime(2026, 1, 31, 23, tzinfo=UTC))[0] == "on_time"
    # 31 days × 1.25 = 38.75 days of grace end: 2026-02-08 18:00
    assert freshness_of("monthly", last, datetime(2026, 2, 8, 18, tzinfo=UTC))[0] == "due"
    assert freshness_of("monthly", last, datetime(2026, 2, 8, 19, tzinfo=UTC)) == (
        "overdue",
        date(2026, 2, 1),
        7,
    )
    assert freshness_of("irregular", last, last) == ("unscheduled", None, 0)


def test_bad_periods_are_user_errors():
    with pytest.raises(PeriodError) as caught:
        parse_day("2026-13-01", "--from")
    assert caught.value.http_status == 400 and "2026-13-01" in caught.value.message_ja
    assert parse_day("", "--from") is None
    with pytest.raises(PeriodError):
        compute(gather_nothing(), start=date(2026, 3, 5), end=date(2026, 3, 1), now=NOW)
    # A period of centuries would hold a web worker for seconds (the report walks it by day).
    with pytest.raises(PeriodError) as too_long:
        compute(gather_nothing(), start=date(296, 5, 15), end=date(718, 4, 4), now=NOW)
    assert "0296-05-15" in too_long.value.message_ja
    assert compute(gather_nothing(), start=date(2016, 1, 1), end=date(2026, 3, 1), now=NOW)


def gather_nothing():
    from tsunagu.indicators.compute import Facts

    return Facts((), (), {}, (), ())
