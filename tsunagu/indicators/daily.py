"""The indicators published as open data once a day, by the app itself (no cron line needed).

:class:`DailyTrigger` is asked on every web request whether today's publication was queued by
this process; the first request of a day queues the ``indicators.publish`` job (on the
in-process worker or on RQ, whichever the site runs). The job itself is idempotent per day:
it takes the ``tsunagu-indicators`` dataset lock, reads ``indicators-published.json`` and does
nothing when today is already there, so several gunicorn workers (each with its own trigger)
and several RQ workers publish once. A day whose publication failed is tried again by the next
process start or the next day. ``tsunagu report --publish`` stays for a manual run.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from tsunagu.config import Settings

log = logging.getLogger(__name__)

JOB = "indicators.publish"
DATASET_ID = "tsunagu-indicators"
MARKER = "indicators-published.json"


def _today() -> date:
    return datetime.now(UTC).date()


def published_day(settings: Settings) -> date | None:
    """The last day the indicators were published by the daily job, if any."""
    path = Path(settings.data_dir) / MARKER
    try:
        return date.fromisoformat(json.loads(path.read_text(encoding="utf-8"))["day"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def publish_daily(
    *, settings: Settings, catalogue: Any = None, today: Callable[[], date] = _today
) -> str:
    """The ``indicators.publish`` job: publish today's indicators unless already done today.

    Returns "published", "unchanged" (published, same figures as the last version) or
    "already" (today's run was done by another worker).
    """
    from tsunagu.catalogue import open_catalogue
    from tsunagu.indicators.compute import compute
    from tsunagu.indicators.gather import gather
    from tsunagu.indicators.opendata import publish_indicators
    from tsunagu.publisher.locks import dataset_lock
    from tsunagu.publisher.workspace import run_folder

    day = today()
    with dataset_lock(settings.data_dir, DATASET_ID):
        if published_day(settings) == day:
            return "already"
        catalogue = catalogue if catalogue is not None else open_catalogue(settings)
        ind = compute(gather(settings, catalogue))
        municipality = (settings.municipality_code, settings.municipality_name)
        with run_folder(settings.data_dir, DATASET_ID) as folder:
            result = publish_indicators(
                catalogue, ind, folder, municipality=municipality, actor="tsunagu-daily"
            )
        marker = Path(settings.data_dir) / MARKER
        tmp = marker.with_name(f".{MARKER}.part")
        tmp.write_text(json.dumps({"day": day.isoformat(), "action": result.action}) + "\n")
        tmp.replace(marker)
    log.info("daily indicators: %s (version %s)", result.action, result.version)
    return "unchanged" if result.action == "unchanged" else "published"


def publish_job(*, settings: Settings, catalogue: Any = None) -> str:
    """Entry in :data:`tsunagu.services.jobs.JOBS` (jobs take settings and catalogue)."""
    return publish_daily(settings=settings, catalogue=catalogue)


class DailyTrigger:
    """Queues :data:`JOB` at most once per day per process; cheap enough for every request."""

    def __init__(self, enqueue: Callable[[str], None], today: Callable[[], date] = _today) -> None:
        self._enqueue = enqueue
        self._today = today
        self._queued: date | None = None
        self._lock = threading.Lock()

    def tick(self) -> bool:
        """Queue today's publication if this process has not yet; True when it queued it."""
        day = self._today()
        if self._queued == day:
            return False
        with self._lock:
            if self._queued == day:
                return False
            self._queued = day
        try:
            self._enqueue(JOB)
        except Exception:  # a queue that is down must not fail the page; retried next start
            log.exception("could not queue the daily indicators")
        return True
