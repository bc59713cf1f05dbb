"""Use counting with the catalogue on PostgreSQL, as production may run it: gunicorn with the
shipped configuration (two workers) and ``TSUNAGU_DATABASE_URL``; the counts of both workers
reach PostgreSQL, survive a restart, and ``tsunagu report`` reads them back. The SQLite twin of
this test is in ``test_usage_privacy.py``; this one needs ``TSUNAGU_TEST_PG_URL``."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.webapp.conftest import _file, _meta
from tests.webapp.test_usage_privacy import BROWSER, CRAWLER, ROOT, _get, gunicorn
from tsunagu.catalogue.base import PublishRequest
from tsunagu.catalogue.local import LocalCatalogue
from tsunagu.catalogue.usage import UsageStore, totals
from tsunagu.config import load_settings

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url() -> str:
    url = os.environ.get("TSUNAGU_TEST_PG_URL")
    if not url:
        pytest.skip("TSUNAGU_TEST_PG_URL not set (a PostgreSQL database for tests)")
    return url


def _visit(url: str, dataset: str, agent: str, pages: int, downloads: int) -> None:
    for _ in range(pages):
        assert _get(f"{url}/datasets/{dataset}", agent) == 200
    for _ in range(downloads):
        assert _get(f"{url}/datasets/{dataset}/resources/csv/aed.csv", agent) == 200


def _report_downloads(data_dir: Path, pg_url: str, dataset: str, out: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSUNAGU_")}
    today = datetime.now(UTC).date().isoformat()
    done = subprocess.run(
        [sys.executable, "-m", "tsunagu", "--data-dir", str(data_dir), "report",
         "--from", today, "--to", today, "--csv", str(out)],
        cwd=ROOT, env={**env, "TSUNAGU_DATABASE_URL": pg_url},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with out.open(encoding="utf-8") as fh:
        [row] = [
            r for r in csv.DictReader(fh)
            if r["indicator"] == "downloads_by_resource" and r["dataset"] == dataset
        ]  # fmt: skip
    return row["value"]


def test_counts_from_two_workers_reach_postgresql_survive_a_restart_and_are_reported(
    tmp_path, pg_url
):
    data_dir = tmp_path / "instance"
    dataset = f"pg-aed-{uuid.uuid4().hex[:8]}"  # the test database is shared by every run
    settings = load_settings({"data_dir": data_dir, "database_url": pg_url}, env={})
    catalogue = LocalCatalogue.from_settings(settings)
    (tmp_path / "files").mkdir()
    csv_file = _file(tmp_path / "files", "csv", "aed.csv", "ID,名称\r\n1,柏市役所\r\n", "CSV",
                     "text/csv")  # fmt: skip
    catalogue.publish(PublishRequest(_meta(dataset), (csv_file,)))
    catalogue.engine.dispose()
    database = {"TSUNAGU_DATABASE_URL": pg_url}
    with gunicorn(data_dir, tmp_path / "gunicorn.log", **database) as url:
        _visit(url, dataset, BROWSER, pages=4, downloads=3)
        _visit(url, dataset, CRAWLER, pages=2, downloads=2)  # bots: never counted
    store = UsageStore.from_url(pg_url)
    assert store.engine.dialect.name == "postgresql"
    mine = [r for r in store.rows() if r.dataset_id == dataset]
    assert totals(mine) == {("page", dataset): 4, ("download", dataset): 3}
    with gunicorn(data_dir, tmp_path / "restarted.log", **database) as url:
        _visit(url, dataset, BROWSER, pages=0, downloads=2)
    mine = [r for r in store.rows() if r.dataset_id == dataset]
    assert totals(mine)[("download", dataset)] == 5
    store.engine.dispose()
    assert _report_downloads(data_dir, pg_url, dataset, tmp_path / "indicators.csv") == "5"
