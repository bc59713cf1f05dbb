"""Production serving: ``gunicorn -c gunicorn.conf.py tsunagu.wsgi:app`` as a real subprocess.

It binds 127.0.0.1 on an ephemeral port (read back from gunicorn's own log line), reads its
settings from the environment (a temporary ``TSUNAGU_DATA_DIR`` holding one published dataset),
answers the catalogue, the features API and OGC API, and stops on SIGTERM. Every wait is bounded.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.servers import running, wait_for_log
from tests.webapp.conftest import _meta
from tsunagu.catalogue.base import PublishRequest, ResourceFile
from tsunagu.catalogue.local import LocalCatalogue
from tsunagu.config import load_settings

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
START_TIMEOUT = 30
LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")


def _publish(data_dir: Path, source: Path) -> None:
    catalogue = LocalCatalogue.from_settings(load_settings({"data_dir": data_dir}, env={}))
    copy = data_dir.parent / source.name
    shutil.copyfile(source, copy)
    data = copy.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    geojson = ResourceFile(
        "geojson", copy, copy.name, "GeoJSON", "application/geo+json", digest, len(data)
    )
    catalogue.publish(PublishRequest(_meta("kashiwa-aed-19"), (geojson,)))
    catalogue.engine.dispose()


@pytest.fixture
def served(tmp_path, data_path) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path / "instance"
    _publish(data_dir, data_path("webapp/api/aed_kashiwa.geojson"))
    log = tmp_path / "gunicorn.log"
    with _shipped_gunicorn(data_dir, log) as (port, _process):
        yield f"http://127.0.0.1:{port}", log


@contextmanager
def _shipped_gunicorn(data_dir: Path, log: Path) -> Iterator[tuple[int, subprocess.Popen]]:
    """gunicorn started as the README says (``-c gunicorn.conf.py tsunagu.wsgi:app``, two
    workers, an OS-chosen port), stopped with SIGTERM; it must exit cleanly."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TSUNAGU_", "GUNICORN_"))},
        "TSUNAGU_DATA_DIR": str(data_dir),
        "GUNICORN_BIND": "127.0.0.1:0",
        "WEB_CONCURRENCY": "2",
    }
    command = [str(GUNICORN), "-c", "gunicorn.conf.py", "tsunagu.wsgi:app"]
    # gunicorn itself gives workers graceful_timeout (30 s) to finish; on a loaded CI machine a
    # clean stop can take longer than a quiet one, so the test waits as long as the config does.
    with running(command, log, cwd=ROOT, env=env, stop_timeout=45) as process:
        yield int(wait_for_log(process, log, LISTENING, START_TIMEOUT)[1]), process
    assert process.returncode == 0, log.read_text(errors="replace")[-3000:]


def test_gunicorn_serves_pages_and_apis(served):
    url, log = served
    session = requests.Session()
    home = session.get(f"{url}/", params={"token": "s3cret-token"}, timeout=10)
    assert home.status_code == 200 and "柏市AED設置箇所一覧" in home.text
    page = session.get(f"{url}/datasets/kashiwa-aed-19", timeout=10)
    assert page.status_code == 200 and "<main" in page.text
    features = session.get(
        f"{url}/api/v1/datasets/kashiwa-aed-19/features",
        params={"bbox": "139.96,35.855,139.98,35.87"},
        timeout=10,
    )
    assert features.status_code == 200
    ids = [f["id"] for f in features.json()["features"]]
    assert ids == ["AED001", "AED003", "AED005", "AED008", "AED009", "AED018"]
    collections = session.get(f"{url}/ogc/collections", timeout=10).json()
    assert [c["id"] for c in collections["collections"]] == ["kashiwa-aed-19"]
    assert collections["links"][0]["href"] == f"{url}/ogc/collections?f=json"
    text = log.read_text(encoding="utf-8", errors="replace")
    assert '"GET /api/v1/datasets/kashiwa-aed-19/features HTTP/1.1" 200' in text
    assert "s3cret-token" not in text  # query strings never reach the access log


# --- The shipped configuration end to end (issue 12): the master loads the layers before it
# forks, so any thread pool it started then is missing in the workers. Every answer must arrive.

SAMPLE = Path("kashiwa") / "kenko" / "aed-installations"
SAMPLE_ID = "kashiwa-aed-installations"
ANSWER_WITHIN = 10  # seconds; a hung worker is killed only after gunicorn's 60 s timeout
TRIES = 4  # per URL, so both workers answer each kind of request


def _cli_publish(work: Path) -> None:
    """``tsunagu --data-dir instance publish datasets/…`` in ``work``, as a department would."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSUNAGU_")}
    done = subprocess.run(  # our own CLI, fixed arguments
        [GUNICORN.with_name("tsunagu"), "--data-dir", "instance", "publish", "datasets" / SAMPLE],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def sample_served(tmp_path) -> Iterator[tuple[str, Path, Path]]:
    """The AED sample published with the CLI, served by the shipped gunicorn.conf.py with
    layer warming on (its default); yields (URL, work dir, server log)."""
    work = tmp_path / "city"
    (work / "datasets" / "kashiwa").mkdir(parents=True)
    shutil.copy(ROOT / "datasets" / "kashiwa" / "municipality.yaml", work / "datasets" / "kashiwa")
    shutil.copytree(ROOT / "datasets" / SAMPLE, work / "datasets" / SAMPLE)
    _cli_publish(work)
    log = tmp_path / "gunicorn.log"
    with _shipped_gunicorn(work / "instance", log) as (port, process):
        # gunicorn listens before when_ready has loaded the layers; workers boot after it.
        wait_for_log(process, log, "Booting worker", START_TIMEOUT)
        yield f"http://127.0.0.1:{port}", work, log


def _answers(url: str) -> dict[str, int]:
    """Request every kind of answer ``TRIES`` times; each must come within the time limit.
    Returns the row/feature counts each one reports."""
    paths = {
        "rows": f"/api/v1/datasets/{SAMPLE_ID}/rows?limit=1000",
        "rows.csv": f"/api/v1/datasets/{SAMPLE_ID}/rows.csv",
        "features": f"/api/v1/datasets/{SAMPLE_ID}/features?limit=5000",
        "ogc items": f"/ogc/collections/{SAMPLE_ID}/items?f=json&limit=1000",
        "page": f"/datasets/{SAMPLE_ID}",
    }
    counts: dict[str, set[int]] = {name: set() for name in paths}
    for _ in range(TRIES):
        for name, path in paths.items():
            try:
                response = requests.get(url + path, timeout=ANSWER_WITHIN)
            except requests.Timeout:
                pytest.fail(f"{name} ({path}) gave no answer within {ANSWER_WITHIN} s")
            assert response.status_code == 200, (name, response.text[:500])
            if name == "rows":
                counts[name].add(len(response.json()["rows"]))
            elif name == "rows.csv":
                counts[name].add(int(response.headers["X-Total-Count"]))
            elif name == "features":
                counts[name].add(len(response.json()["features"]))
            elif name == "ogc items":
                counts[name].add(response.json()["numberMatched"])
            else:
                counts[name].add(int("<main" in response.text))
    assert all(len(seen) == 1 for seen in counts.values()), counts  # the workers agree
    return {name: seen.pop() for name, seen in counts.items()}


def test_shipped_config_answers_before_and_after_a_publish_while_serving(sample_served):
    url, work, log = sample_served
    assert "map layers" in log.read_text(encoding="utf-8")  # warming ran in the master
    before = _answers(url)
    assert before["rows"] == before["rows.csv"] == before["features"] == before["ogc items"] > 1
    # Issue 17: the rows table is written once as Arrow under the data dir and every worker
    # maps that file (one copy in the page cache) instead of holding a parsed copy of its own.
    cache = work / "instance" / "cache" / "rows"
    (cached,) = cache.glob("*.arrow")
    found = re.search(r"Listening at: \S+ \((\d+)\)", log.read_text())  # the master's pid
    assert found, log.read_text()[-2000:]
    workers = _workers(int(found[1]))
    assert len(workers) == 2
    for pid in workers:
        assert str(cached) in Path(f"/proc/{pid}/maps").read_text(), pid
    # A new version while serving: one facility less in the department's file.
    source = next((work / "datasets" / SAMPLE).glob("*.csv"))
    lines = source.read_bytes().rstrip(b"\r\n").splitlines(keepends=True)
    source.write_bytes(b"".join(lines[:-1]))
    _cli_publish(work)
    after = _answers(url)
    assert after["rows"] == after["rows.csv"] == after["features"] == after["ogc items"]
    assert after["rows"] == before["rows"] - 1
    (newer,) = cache.glob("*.arrow")  # the new version's copy replaced the old one
    assert newer != cached
    assert "WORKER TIMEOUT" not in log.read_text(encoding="utf-8", errors="replace")


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]
