"""Production entry point for WSGI servers: ``gunicorn -c gunicorn.conf.py tsunagu.wsgi:app``.

The one module that builds an app at import time — that is what a WSGI server imports it for.
Everything else in Tsunagu takes its settings from the caller (house style §3.6). Settings come
from ``TSUNAGU_*`` environment variables (and ``TSUNAGU_CONFIG``, a YAML file), exactly as the
CLI reads them (``TSUNAGU_API_RATE``, e.g. ``600/minute``, is the per-client API rate limit).
"""

from __future__ import annotations

import os

from flask import Flask

from tsunagu.webapp import create_app


def build_app(env: dict[str, str] | None = None) -> Flask:
    """The production app from ``env`` (default: this process's environment)."""
    from tsunagu.config import load_settings

    env = dict(os.environ if env is None else env)
    return create_app(load_settings(env=env))


app = build_app()
