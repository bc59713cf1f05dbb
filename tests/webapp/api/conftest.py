"""API fixtures: the app of tests/webapp/conftest.py served for real on 127.0.0.1, for clients
that speak HTTP themselves (ckanapi.RemoteCKAN)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server


@pytest.fixture
def live_url(app) -> Iterator[str]:
    """``http://127.0.0.1:<ephemeral port>`` serving ``app`` in a thread until the test ends."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
