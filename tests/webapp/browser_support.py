"""Shared pieces for the browser tier: serve a Flask app on 127.0.0.1, launch Debian's Chromium
headless through Playwright with nothing leaving the machine, and publish the Kashiwa samples
once per test run (the demo instance) for the tests that need the real ``make demo`` site.

Fixtures here are module-scoped on purpose: Playwright's sync API cannot nest, so a browser kept
for a whole session would break the other browser modules that start their own; pytest tears a
module's fixtures down before the next module runs, also under ``-n 2``.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]
REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "datasets"
PHONE = {
    "viewport": {"width": 375, "height": 667},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def local_only(route: Any) -> None:
    """Let requests to 127.0.0.1 through and abort the rest (map tiles, CC licence links)."""
    if urlsplit(route.request.url).hostname == "127.0.0.1":
        route.continue_()
    else:
        route.abort()


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run ``app`` on a free port in a thread; yields its base URL."""
    from werkzeug.serving import make_server

    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(timeout=5)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (fresh temporary profile) for one test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def new_page(browser: Any, timeout_ms: int = 10_000, **context_options: Any) -> Iterator[Any]:
    """A page in a fresh context (own cookies, so the language never leaks between tests)."""
    context = browser.new_context(**context_options)
    context.route("**/*", local_only)
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    try:
        yield page
    finally:
        context.close()


def sign_in(page: Any, url: str, token: str) -> None:
    """Open ``url`` (a staff page), meet the sign-in form there and sign in with ``token``."""
    from playwright.sync_api import expect

    page.goto(url)
    expect(page.locator("h1")).to_have_text("職員サインイン")
    page.fill("#token", token)
    page.click("button[type=submit]")


def publish_samples(data_dir: Path) -> subprocess.CompletedProcess[str]:
    """``tsunagu --data-dir D publish datasets/``: the first half of ``make demo``."""
    command = [sys.executable, "-m", "tsunagu", "--data-dir", str(data_dir), "publish"]
    return subprocess.run(  # our own CLI, fixed arguments
        [*command, str(SAMPLES)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def demo_data_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str]:
    """Publish the samples once per run, shared by the xdist workers: a file lock makes the
    second worker wait for, then reuse, the first one's work (publishing takes seconds).
    Returns the data dir, the CLI's exit code and its output."""
    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker's base is a child of the run's own dir; without xdist the parent
    # would be shared by every past run, so stay inside this run's dir.
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "tsunagu-demo"
    root.mkdir(exist_ok=True)
    with (root / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = root / "exit-code"
        if not done.exists():
            result = publish_samples(root / "instance")
            (root / "output.txt").write_text(result.stdout + result.stderr, encoding="utf-8")
            done.write_text(str(result.returncode), encoding="utf-8")
    output = (root / "output.txt").read_text(encoding="utf-8")
    return root / "instance", int(done.read_text(encoding="utf-8")), output


def demo_app(data_dir: Path) -> Any:
    """The app exactly as ``tsunagu --data-dir D serve`` builds it (default local catalogue)."""
    from tsunagu.config import load_settings
    from tsunagu.webapp import create_app

    return create_app(load_settings({"data_dir": data_dir}, env={}))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, str]]:
    """(base URL, publish exit code, publish output) of the served demo instance."""
    data_dir, code, output = demo_data_dir(tmp_path_factory)
    with serve(demo_app(data_dir)) as base:
        yield base, code, output
