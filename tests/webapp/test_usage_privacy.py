"""Use counting as production runs it: gunicorn with the shipped configuration (two workers,
preloaded app), and ``tsunagu serve``. Counts from both workers reach the catalogue database
when the workers stop, survive a restart, and nothing anywhere — counter table, any table of the
database, any file under the data dir, the request log — holds an IP address or a user agent."""

from __future__ import annotations

import ipaddress
import os
import re
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from sqlalchemy import create_engine, inspect, select, text

from tests.servers import free_port, running, wait_for_log
from tests.webapp.conftest import _file, _meta
from tsunagu.catalogue.base import PublishRequest
from tsunagu.catalogue.local import LocalCatalogue
from tsunagu.catalogue.usage import UsageStore, totals
from tsunagu.config import load_settings

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 Probe7f3a"
CRAWLER = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
FORWARDED = "203.0.113.77"


def _has_address(line: str) -> bool:
    """Any token of the line that parses as an IPv4 or IPv6 address (ipaddress decides)."""
    for token in re.split(r"[\s\[\]\"(),]+", line):
        try:
            ipaddress.ip_address(token.strip("-"))
        except ValueError:
            continue
        return True
    return False


def _publish(data_dir: Path) -> None:
    catalogue = LocalCatalogue.from_settings(load_settings({"data_dir": data_dir}, env={}))
    folder = data_dir.parent / "files"
    folder.mkdir(exist_ok=True)
    csv_file = _file(folder, "csv", "aed.csv", "ID,名称\r\n1,柏市役所\r\n", "CSV", "text/csv")
    catalogue.publish(PublishRequest(_meta("kashiwa-aed"), (csv_file,)))
    catalogue.engine.dispose()


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TSUNAGU_", "GUNICORN_"))},
        "TSUNAGU_DATA_DIR": str(data_dir),
        "TSUNAGU_USAGE_FLUSH_SECONDS": "3600",  # only the workers' exit writes the counts
        "GUNICORN_BIND": "127.0.0.1:0",
        "WEB_CONCURRENCY": "2",
        **extra,
    }


@contextmanager
def gunicorn(data_dir: Path, log: Path, **extra_env: str) -> Iterator[str]:
    command = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "tsunagu.wsgi:app"]
    env = _env(data_dir, **extra_env)
    with running(command, log, cwd=ROOT, env=env, stop_timeout=30) as process:
        yield f"http://127.0.0.1:{wait_for_log(process, log, LISTENING, 30)[1]}"
    assert process.returncode == 0, log.read_text(errors="replace")[-3000:]


def _get(url: str, agent: str, **params: str) -> int:
    headers = {
        "User-Agent": agent,
        "X-Forwarded-For": FORWARDED,
        "Referer": "https://example.org/probe7f3a",
        "Connection": "close",  # a new connection each time: requests spread over both workers
    }
    return requests.get(url, headers=headers, params=params, timeout=60).status_code


def _visit(url: str, agent: str, pages: int, downloads: int, api: int) -> None:
    for _ in range(pages):
        assert _get(f"{url}/datasets/kashiwa-aed", agent) == 200
    for _ in range(downloads):
        assert _get(f"{url}/datasets/kashiwa-aed/resources/csv/aed.csv", agent) == 200
    for _ in range(api):
        assert _get(f"{url}/api/v1/datasets/kashiwa-aed", agent, token="s3cret") == 200


def _no_personal_data_in_database(data_dir: Path) -> None:
    settings = load_settings({"data_dir": data_dir}, env={})
    engine = create_engine(settings.database)
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608 - own names
                flat = " ".join(str(v) for v in row)
                for secret in ("Probe7f3a", "Firefox", "Googlebot", FORWARDED, "127.0.0.1"):
                    assert secret not in flat, (table, row)
    engine.dispose()


def test_counts_reach_the_database_from_both_workers_and_survive_a_restart(tmp_path):
    data_dir = tmp_path / "instance"
    _publish(data_dir)
    log, log2 = tmp_path / "gunicorn.log", tmp_path / "gunicorn-restarted.log"
    with gunicorn(data_dir, log) as url:
        _visit(url, BROWSER, pages=10, downloads=6, api=8)
        _visit(url, CRAWLER, pages=5, downloads=5, api=5)  # bots: never counted
        assert _get(f"{url}/datasets/kashiwa-aed", "python-requests/2.32") == 200  # a script
        assert _get(f"{url}/datasets/no-such-dataset", BROWSER) == 404  # not counted
    store = UsageStore.from_url(load_settings({"data_dir": data_dir}, env={}).database)
    assert totals(store.rows()) == {
        ("page", "kashiwa-aed"): 10,
        ("download", "kashiwa-aed"): 6,
        ("api", "kashiwa-aed"): 8,
    }
    pids = set(re.findall(r"Booting worker with pid: (\d+)", log.read_text(errors="replace")))
    assert len(pids) == 2
    with gunicorn(data_dir, log2) as url:  # restart: the counts go on from where they were
        _visit(url, BROWSER, pages=2, downloads=0, api=0)
    assert totals(store.rows())[("page", "kashiwa-aed")] == 12
    store.engine.dispose()

    _no_personal_data_in_database(data_dir)
    for path in data_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in (b"Probe7f3a", b"Googlebot", FORWARDED.encode()):
                assert secret not in data, path
    lines = (log.read_text(errors="replace") + log2.read_text(errors="replace")).splitlines()
    access = [line for line in lines if '"GET ' in line]
    assert len(access) == (10 + 6 + 8) + 15 + 2 + 2  # every request was logged …
    for line in access:  # … without the client's address, user agent, referrer or query
        assert not _has_address(line), line
        assert "Probe7f3a" not in line and "Googlebot" not in line and "s3cret" not in line
        assert "Mozilla" not in line and "python-requests" not in line


def test_the_development_server_logs_no_address_and_counts_too(tmp_path):
    data_dir = tmp_path / "instance"
    _publish(data_dir)
    port = free_port()
    log = tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSUNAGU_")}
    command = [str(BIN / "tsunagu"), "--data-dir", str(data_dir), "serve", "--port", str(port)]
    # Stopped with Ctrl-C (SIGINT), as a person stops it.
    with running(command, log, cwd=ROOT, env=env, sig=signal.SIGINT, stop_timeout=30) as process:
        wait_for_log(process, log, r"Running on", 30)
        _visit(f"http://127.0.0.1:{port}", BROWSER, pages=3, downloads=1, api=1)
    access = [line for line in log.read_text(errors="replace").splitlines() if '"GET ' in line]
    assert len(access) == 5
    for line in access:
        assert not _has_address(line), line
        assert "s3cret" not in line and "Probe7f3a" not in line
    store = UsageStore.from_url(load_settings({"data_dir": data_dir}, env={}).database)
    assert totals(store.rows()) == {
        ("page", "kashiwa-aed"): 3,
        ("download", "kashiwa-aed"): 1,
        ("api", "kashiwa-aed"): 1,
    }
    with store.engine.connect() as conn:
        assert conn.execute(select(text("count(*)")).select_from(text("usage_counts"))).scalar()
    store.engine.dispose()
