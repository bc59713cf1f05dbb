"""Use counters in the catalogue database: batches add up across processes and restarts, a
failed write loses nothing, and the table holds counts only."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

import pytest
from sqlalchemy import create_engine, inspect

from tsunagu.catalogue.local import LocalCatalogue
from tsunagu.catalogue.usage import UsageCounter, UsageStore, totals


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    if request.param == "postgres":
        url = os.environ.get("TSUNAGU_TEST_PG_URL")
        if not url:
            pytest.skip("TSUNAGU_TEST_PG_URL not set (a PostgreSQL database for tests)")
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS usage_counts")
        engine.dispose()
        return url
    return f"sqlite:///{tmp_path / 'catalogue.sqlite3'}"


def test_batches_from_two_workers_add_up_and_survive_a_restart(database_url):
    one, two = (
        UsageCounter(UsageStore.from_url(database_url), interval=3600),
        UsageCounter(UsageStore.from_url(database_url), interval=3600),
    )
    for _ in range(3):
        one.hit("download", "aed", "csv", day="2026-03-01")
    two.hit("download", "aed", "csv", day="2026-03-01")
    two.hit("page", "aed", day="2026-03-02")
    assert one.store.rows() == []  # nothing written before the interval or a flush
    one.flush()
    two.flush()
    one.hit("download", "aed", "csv", day="2026-03-01")
    one.flush()
    restarted = UsageStore.from_url(database_url)  # a new process opening the same database
    assert totals(restarted.rows()) == {("download", "aed"): 5, ("page", "aed"): 1}
    assert [r.count for r in restarted.rows(start=date(2026, 3, 2))] == [1]
    assert [r.count for r in restarted.rows(end=date(2026, 3, 1))] == [5]


def test_the_interval_triggers_a_flush_on_the_next_hit(tmp_path):
    store = UsageStore.from_url(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    counter = UsageCounter(store, interval=0)
    counter.hit("api", "", day="2026-03-01")
    assert totals(store.rows()) == {("api", ""): 1}
    assert counter.pending() == {}


def test_a_failed_write_keeps_the_counts_for_the_next_flush(tmp_path):
    store = UsageStore.from_url(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    counter = UsageCounter(store, interval=3600)
    counter.hit("page", "aed", day="2026-03-01")
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE usage_counts RENAME TO usage_moved")
    counter.flush()  # fails: the table is gone
    assert counter.pending() == {("2026-03-01", "page", "aed", ""): 1}
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE usage_moved RENAME TO usage_counts")
    counter.hit("page", "aed", day="2026-03-01")
    counter.flush()
    assert totals(store.rows()) == {("page", "aed"): 2}


def test_counters_share_the_catalogue_database_without_touching_its_tables(tmp_path):
    url = f"sqlite:///{tmp_path / 'catalogue.sqlite3'}"
    catalogue = LocalCatalogue(url, tmp_path / "storage")
    before = set(inspect(catalogue.engine).get_table_names())
    UsageStore(catalogue.engine)
    after = set(inspect(catalogue.engine).get_table_names())
    assert after - before == {"usage_counts"}
    columns = {c["name"] for c in inspect(catalogue.engine).get_columns("usage_counts")}
    assert columns == {"day", "kind", "dataset_id", "resource_key", "count"}  # counts only


def test_concurrent_processes_do_not_lose_counts(tmp_path):
    """Four processes flushing 50 batches each into one SQLite file: every count arrives."""
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    UsageStore.from_url(url)
    script = (
        "import sys\n"
        "from tsunagu.catalogue.usage import UsageCounter, UsageStore\n"
        "c = UsageCounter(UsageStore.from_url(sys.argv[1]), interval=3600)\n"
        "for _ in range(50):\n"
        "    c.hit('download', 'aed', 'csv', day='2026-03-01')\n"
        "    c.flush()\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, url]) for _ in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    assert totals(UsageStore.from_url(url).rows()) == {("download", "aed"): 200}
