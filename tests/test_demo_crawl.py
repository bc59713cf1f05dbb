"""The demo as the README runs it, crawled: a fresh copy of the repository, the samples published
with ``tsunagu --data-dir instance publish datasets/`` and the site served with ``tsunagu
--data-dir instance serve`` (working directory: the copy's root, the data dir relative), then —
the same instance — under gunicorn with the shipped ``gunicorn.conf.py`` and a relative
``TSUNAGU_DATA_DIR``. From the home page, the catalogue, every dataset page, the map, the
developer APIs and their English versions, every internal link and asset must answer 2xx/3xx,
every download must be the published file byte for byte, and no page may load anything from
another site.

The copy is made once per test run (shared by the xdist workers under a file lock) and reuses
this ``.venv``; its own ``tsunagu`` package is imported (``PYTHONPATH``), as an editable install
of the clone would, and ``tools/vendor_assets.py`` puts Leaflet in place as ``make install``
does.
"""

from __future__ import annotations

import fcntl
import hashlib
import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests

from tests.servers import free_port, running, wait_for_log
from tests.site_crawl import Crawler, CrawlResult, facet_combination, html_lang

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
START_TIMEOUT = 60
PUBLISH_TIMEOUT = 300
#: Where a user starts, plus the developer entry points the README lists.
SEEDS = (
    "/",
    "/datasets",
    "/map",
    "/organisations",
    "/upload",
    "/ogc",
    "/api/openapi.json",
    "/api/v1/datasets",
    "/api/v1/changes.atom",
    "/api/v1/changes.json",
    "/api/3/action/package_list",
    "/api/3/action/package_search",
    "/api/3/action/organization_list",
)
HTML_SEEDS = ("/", "/datasets", "/map", "/organisations", "/ogc")
DOWNLOAD = re.compile(
    r"^/datasets/(?P<id>[^/]+)/(?:resources|versions/(?P<version>\d+))/(?P<key>[^/]+)/[^/]+$"
)
BLOCKED_SAMPLE = "kashiwa-cultural-properties"


def _child_env(copy: Path, **extra: str) -> dict[str, str]:
    """This environment without any Tsunagu or gunicorn setting, importing the copy's code."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TSUNAGU_", "GUNICORN_"))}
    env.pop("WEB_CONCURRENCY", None)
    return {**env, "PYTHONPATH": str(copy), **extra}


def _fresh_copy(target: Path) -> None:
    """The repository's files as a clone has them (tracked, plus new files not yet committed
    and not ignored), then Leaflet vendored from node_modules as ``make install`` does."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_symlink():  # tsunagu/schemas -> ../datasets/schemas, as a clone has it
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).symlink_to(os.readlink(source))
        elif source.is_file():  # a file deleted in the work tree is not in a clone either
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    node_modules = REPO / "node_modules"
    assert node_modules.is_dir(), "run `make install` (npm ci) first: node_modules is missing"
    (target / "node_modules").symlink_to(node_modules)
    subprocess.run(
        [str(BIN / "python"), "tools/vendor_assets.py"],
        cwd=target,
        env=_child_env(target),
        check=True,
        capture_output=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def demo_copy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str]:
    """(copy root, publish exit code, publish output), made once per run."""
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "demo-crawl"
    root.mkdir(exist_ok=True)
    copy = root / "repo"
    with (root / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = root / "exit-code"
        if not done.exists():
            shutil.rmtree(copy, ignore_errors=True)
            copy.mkdir()
            _fresh_copy(copy)
            result = subprocess.run(  # the first line of `make demo`, verbatim
                [str(BIN / "tsunagu"), "--data-dir", "instance", "publish", "datasets/"],
                cwd=copy,
                env=_child_env(copy),
                capture_output=True,
                text=True,
                timeout=PUBLISH_TIMEOUT,
                check=False,
            )
            (root / "output.txt").write_text(result.stdout + result.stderr, encoding="utf-8")
            done.write_text(str(result.returncode), encoding="utf-8")
    output = (root / "output.txt").read_text(encoding="utf-8")
    return copy, int(done.read_text(encoding="utf-8")), output


@contextmanager
def _dev_server(copy: Path, log: Path) -> Iterator[str]:
    """The second line of ``make demo``, verbatim, on a free port."""
    port = free_port()
    command = [str(BIN / "tsunagu"), "--data-dir", "instance", "serve"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    with running(command, log, cwd=copy, env=_child_env(copy)) as process:
        wait_for_log(process, log, r"Running on http://127\.0\.0\.1:\d+", START_TIMEOUT)
        yield f"http://127.0.0.1:{port}"


@contextmanager
def _gunicorn(copy: Path, log: Path) -> Iterator[str]:
    """The README's production line, with the data dir given relative as a user would."""
    env = _child_env(
        copy, TSUNAGU_DATA_DIR="instance", GUNICORN_BIND="127.0.0.1:0", WEB_CONCURRENCY="2"
    )
    command = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "tsunagu.wsgi:app"]
    with running(command, log, cwd=copy, env=env) as process:
        found = wait_for_log(
            process, log, r"Listening at: http://127\.0\.0\.1:(\d+)", START_TIMEOUT
        )
        wait_for_log(process, log, r"Booting worker", START_TIMEOUT)
        yield f"http://127.0.0.1:{found[1]}"
    assert process.returncode == 0, log.read_text(errors="replace")[-3000:]


SERVERS = {"tsunagu serve": _dev_server, "gunicorn": _gunicorn}


def _crawl(base: str) -> CrawlResult:
    session = requests.Session()
    # Without the language cookie every page is in the language its own URL asks for, so a
    # Japanese and an English crawl never mix (links on English pages carry ?lang=en).
    session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    seeds = [*SEEDS, *(f"{s}?lang=en" for s in HTML_SEEDS)]
    return Crawler(base, session, skip=facet_combination).crawl(seeds)


def _published(copy: Path) -> Any:
    from tsunagu.catalogue import open_catalogue
    from tsunagu.config import load_settings

    return open_catalogue(load_settings({"data_dir": copy / "instance"}, env={}))


@pytest.fixture(scope="module", params=sorted(SERVERS))
def crawled(request, demo_copy, tmp_path_factory) -> tuple[str, CrawlResult, Path]:
    copy, code, output = demo_copy
    assert code == 1, f"publish should block exactly the documented sample:\n{output}"
    log = tmp_path_factory.mktemp("crawl") / "server.log"
    with SERVERS[request.param](copy, log) as base:
        return base, _crawl(base), log


def test_publish_blocks_only_the_documented_sample(demo_copy):
    copy, code, output = demo_copy
    assert code == 1, output
    assert (copy / "instance" / "catalogue.sqlite3").is_file()  # relative to the working dir
    ids = {record.meta.id for record in _published(copy).search("", rows=1000).results}
    assert BLOCKED_SAMPLE not in ids and len(ids) >= 9


def test_every_link_and_asset_answers(crawled):
    _, result, log = crawled
    broken = "\n".join(f"{status} {url} (linked from {ref})" for url, status, ref in result.broken)
    assert not result.broken, f"{broken}\n--- server log ---\n{log.read_text()[-3000:]}"
    assert not result.problems, result.problems
    assert "Traceback" not in log.read_text(encoding="utf-8", errors="replace")


def test_no_page_loads_anything_from_another_site(crawled):
    _, result, _ = crawled
    assert not result.external_loads, result.external_loads
    pages = result.pages(lambda f: f.content_type.startswith("text/html") and f.status == 200)
    assert len(pages) > 50
    for page in pages:  # and the browser is told so: a CSP on every page
        policy = page.headers.get("Content-Security-Policy", "")
        assert "default-src" in policy and "http" not in policy.split("img-src")[0], page.url


def test_every_dataset_page_is_crawled_in_both_languages(crawled, demo_copy):
    base, result, _ = crawled
    records = _published(demo_copy[0]).search("", rows=1000).results
    assert len(records) >= 9
    for record in records:
        page = result.fetched[f"{base}/datasets/{record.meta.id}"]
        english = result.fetched[f"{base}/datasets/{record.meta.id}?lang=en"]
        assert page.status == english.status == 200
        assert html_lang(page) == "ja" and html_lang(english) == "en"
        assert record.meta.title_ja in page.body.decode()
        assert record.meta.title_en in english.body.decode()
    assert not any(BLOCKED_SAMPLE in url for url in result.fetched)


def test_every_download_is_the_published_file(crawled, demo_copy):
    _, result, _ = crawled
    catalogue = _published(demo_copy[0])
    downloaded: set[tuple[str, str]] = set()
    checked = 0
    for fetched in result.fetched.values():
        parts = urlsplit(fetched.url)
        match = DOWNLOAD.match(unquote(parts.path))
        if not match:
            continue
        version = int(match["version"]) if match["version"] else None
        path, info = catalogue.open_file(match["id"], match["key"], version)
        if parse_qs(parts.query).get("for") == ["excel"]:
            assert fetched.body.startswith(b"\xef\xbb\xbf"), fetched.url  # BOM for Excel
            continue
        assert fetched.body == path.read_bytes(), fetched.url
        assert hashlib.sha256(fetched.body).hexdigest() == info["sha256"], fetched.url
        downloaded.add((match["id"], match["key"]))
        checked += 1
    expected = {
        (record.meta.id, resource.key)
        for record in catalogue.search("", rows=1000).results
        for resource in record.resources
    }
    assert expected <= downloaded, sorted(expected - downloaded)
    assert checked >= len(expected)
