"""gunicorn settings for Tsunagu: ``gunicorn -c gunicorn.conf.py tsunagu.wsgi:app``.

Every value can be overridden by the environment (``GUNICORN_BIND``, ``WEB_CONCURRENCY``,
``GUNICORN_TIMEOUT``) or on the command line. Defaults suit a reverse proxy (nginx, Apache) on
the same host: bind to loopback only, let the proxy face the internet and serve /static.
"""

import multiprocessing
import os
import time

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# One sync worker per core. The features API is CPU-bound (numpy selection, joining preloaded
# JSON), so more processes than cores only add context switches, and threads (gthread) share
# one GIL per process. Measured on the 2-core host at load ~1 (2026-11-24, wrk with 16
# connections on the same cores, the bench's 1000 map views): sync ×2 765 req/s, gthread 2×4
# 703 req/s (its keep-alive saves the connection set-up, its thread hand-offs cost more);
# re-measure with ``python -m bench.api``. A reverse proxy in front buffers slow clients.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count())
worker_class = "sync"
# The app is built once in the master, then forked: catalogue code and libraries are shared
# copy-on-write and a broken configuration fails at start, not on the first request. The
# published map layers are loaded there too (``when_ready`` below), so no worker parses one.
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # a 100k-row CSV download, at worst
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so one that grew a big cache gives its memory back; a fresh
# worker starts from the master's preloaded layers, so recycling costs no parsing.
max_requests = 20000
max_requests_jitter = 2000
# Only the proxy on this host may set X-Forwarded-Proto (so links come out as https).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# %(U)s is the path WITHOUT the query string: query strings may carry tokens; never log them.
# No %(h)s (client address) and no %(a)s (user agent): the site records no personal data
# (README "Privacy"; tests/webapp/test_usage_privacy.py checks the log).
access_log_format = '- - - %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'


def worker_exit(server, worker):
    """Write this worker's pending use counts before it goes (restart, recycling, shutdown)."""
    app = getattr(worker, "wsgi", None)
    counter = app.extensions.get("tsunagu_usage") if app is not None else None
    if counter is not None:
        counter.flush()


def when_ready(server):
    """Load every published map layer in the master, before the workers fork, so they share
    it copy-on-write instead of each parsing a 100k-feature layer (seconds of CPU) on its first
    request. ``TSUNAGU_WARM_LAYERS=0`` skips it (a quick start for a huge catalogue).

    Loading runs no thread pool that a fork would lose (no polars: its pool, once started,
    is missing in the workers and their polars calls hang); the check after it refuses to
    start, naming the pool, should that ever change."""
    if not server.cfg.preload_app:
        return
    from tsunagu.webapp.fork_safety import check_before_fork

    if os.environ.get("TSUNAGU_WARM_LAYERS", "1") != "0":
        from tsunagu.webapp.api.features import warm

        started = time.monotonic()
        loaded = warm(server.app.wsgi())
        seconds = time.monotonic() - started
        server.log.info("Loaded %d map layers in %.1f s before forking", len(loaded), seconds)
    check_before_fork()
