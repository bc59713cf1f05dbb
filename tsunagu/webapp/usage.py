"""Count use of the site — page views, downloads, API requests — without personal data.

What is counted (README "Privacy" says the same): a successful ``GET`` of a dataset page
(``page``), of a published file or an older version of it (``download``, per resource key), and
of any ``/api/`` or ``/ogc`` answer (``api``, under the dataset it is about, or under ``""`` for
searches and lists). Only ``(day, kind, dataset, resource key) → count`` is kept; the request's
IP address, user agent, referrer and query string are read only to decide whether to count and
are never stored or logged.

The bot rule, from the COUNTER Code of Practice's robot lists (the ``counter-robots`` package,
used by research-data repositories for the same purpose):

* page views and downloads are not counted when the User-Agent is empty, or matches the
  COUNTER robot list or its machine list (scripts, HTTP libraries, headless browsers);
* API requests are made by programs by design, so scripting clients (``curl``, ``python-
  requests``…, the machine list) are counted; crawlers (robot list entries that are not on the
  machine list: search-engine bots, spiders, headless browsers…) are not;
* prefetches (``Sec-Purpose``/``Purpose: prefetch``) and HEAD requests are never counted.

Counting is an ``after_request`` hook that does a dict increment; the batch is written to the
catalogue database every ``usage_flush_seconds`` (and when the process exits).
"""

from __future__ import annotations

import atexit
import os
from functools import lru_cache
from typing import Any

from flask import Flask, request
from flask.wrappers import Response

from tsunagu.catalogue.usage import SITE, Kind, UsageCounter
from tsunagu.config import Settings

PAGE_ENDPOINTS = {"catalogue.dataset": "page"}
DOWNLOAD_ENDPOINTS = ("catalogue.download", "catalogue.download_version")
API_PREFIXES = ("/api/", "/ogc")
#: CKAN-compatible actions whose ``id`` parameter names the dataset
CKAN_DATASET_ACTIONS = frozenset({"package_show"})


@lru_cache(maxsize=4096)
def agent_class(user_agent: str) -> str:
    """``person``, ``machine`` (a script or library) or ``robot`` (crawler), by the documented
    rule above; cached, as a site sees few distinct user agents."""
    from counter_robots import is_machine, is_robot

    if not user_agent.strip():
        return "machine"
    if is_machine(user_agent):
        return "machine"
    if is_robot(user_agent):
        return "robot"
    return "person"


def classify(endpoint: str | None, path: str) -> tuple[Kind, str, str] | None:
    """(kind, dataset id, resource key) of a request, or None when it is not counted."""
    args = request.view_args or {}
    if endpoint in DOWNLOAD_ENDPOINTS:
        return "download", str(args.get("dataset_id", "")), str(args.get("key", ""))
    if endpoint == "catalogue.dataset":
        return "page", str(args.get("dataset_id", "")), ""
    if path.startswith(API_PREFIXES):
        dataset = args.get("dataset_id") or args.get("collection_id")
        if dataset is None and args.get("action") in CKAN_DATASET_ACTIONS:
            dataset = request.args.get("id")
        return "api", str(dataset or SITE)[:100], ""
    return None


def counted(kind: Kind, status: int, user_agent: str) -> bool:
    if kind == "api":
        return (200 <= status < 300 or status == 304) and agent_class(user_agent) != "robot"
    return status == 200 and agent_class(user_agent) == "person"


def init_app(app: Flask, settings: Settings, catalogue: Any) -> None:
    """Install the counting hook (nothing when ``usage_counting`` is off)."""
    if settings.usage_counting != "on":
        return
    from tsunagu.indicators.gather import usage_store

    counter = UsageCounter(usage_store(settings, catalogue), settings.usage_flush_seconds)
    app.extensions["tsunagu_usage"] = counter
    os.register_at_fork(after_in_child=counter.after_fork)  # gunicorn workers fork the app
    atexit.register(counter.flush)

    @app.after_request
    def _count(response: Response) -> Response:
        if request.method != "GET":
            return response
        found = classify(request.endpoint, request.path)
        if found is None:
            return response
        headers = request.headers
        if "prefetch" in (headers.get("Sec-Purpose", "") + headers.get("Purpose", "")):
            return response
        kind, dataset, key = found
        if counted(kind, response.status_code, headers.get("User-Agent", "")):
            counter.hit(kind, dataset, key)
        return response
