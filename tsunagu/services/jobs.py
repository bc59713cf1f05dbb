"""Background jobs: work that must not run inside a web request (an upload's validation,
conversion and publishing can take minutes; gunicorn kills a request after 60 s).

A job is a name from :data:`JOBS` and string arguments, so it can cross a process boundary.
Two queues run the same jobs:

- :class:`InProcessQueue` (the embedded default, no extra service): one worker thread in the
  web process, started on the first job — never at import or app build, so gunicorn's master
  forks no running thread. Jobs are held in memory; their state lives in the upload's
  ``status.json``, and a job whose process died is queued again by whoever looks at it
  (:func:`owner_alive`).
- :class:`RQQueue` (``TSUNAGU_REDIS_URL`` set): jobs go to Redis and run on RQ workers —
  what CKAN itself uses — started with ``rq worker -u $TSUNAGU_REDIS_URL tsunagu`` on this or
  other machines, with the same ``TSUNAGU_*`` settings and the data dir on shared storage. The
  workers read their settings from their own environment: nothing secret travels through
  Redis.

No Flask here.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from tsunagu.config import Settings, load_settings
from tsunagu.errors import ConfigError
from tsunagu.registry import Registry

log = logging.getLogger(__name__)
QUEUE_NAME = "tsunagu"
#: Job name → ``"module:function"``; each function takes its string arguments and the keyword
#: arguments ``settings`` and ``catalogue`` (None on an RQ worker: it opens its own).
JOBS = Registry(
    "job",
    {
        "upload.process": "tsunagu.services.uploads:process_job",
        "upload.publish": "tsunagu.services.uploads:publish_job",
        "indicators.publish": "tsunagu.indicators.daily:publish_job",
    },
)


class JobQueue(Protocol):
    backend: str

    def enqueue(self, job: str, *args: str) -> None: ...


def run_job(job: str, *args: str, settings: Settings | None = None, catalogue: Any = None) -> Any:
    """Run one job here and now. On an RQ worker ``settings`` is None: they are loaded from the
    worker's environment, once per job (a worker's settings may change between deployments)."""
    function = JOBS.load(job)
    return function(*args, settings=settings or load_settings(), catalogue=catalogue)


def worker_identity() -> dict[str, Any]:
    """Who runs a job: recorded on it, so a job left behind by a dead process is noticed."""
    return {"host": socket.gethostname(), "pid": os.getpid()}


def owner_alive(owner: dict[str, Any] | None) -> bool:
    """False only when the owner ran on this host and its process is gone; a job owned by
    another machine (an RQ worker elsewhere) is assumed alive: RQ itself requeues those."""
    if not owner or owner.get("host") != socket.gethostname():
        return True
    try:
        os.kill(int(owner["pid"]), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError, KeyError, TypeError):
        return True
    return True


class InProcessQueue:
    """One worker thread in this process, running jobs in the order they came."""

    backend = "inprocess"

    def __init__(self, settings: Settings, catalogue: Any = None) -> None:
        self.settings = settings
        self.catalogue = catalogue
        self._executor: ThreadPoolExecutor | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None or self._pid != os.getpid():  # a fork has no threads
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="tsunagu-job")
                self._pid = os.getpid()
            return self._executor

    def enqueue(self, job: str, *args: str) -> None:
        JOBS.load(job)  # an unknown job fails here, in the request, not later in the thread
        self._pool().submit(self._run, job, *args)

    def _run(self, job: str, *args: str) -> None:
        try:
            run_job(job, *args, settings=self.settings, catalogue=self.catalogue)
        except Exception:  # the job records its own outcome; this is the last resort
            log.exception("background job %s%r failed", job, args)

    def wait(self) -> None:
        """Finish every queued job (for a clean shutdown); the queue stays usable."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)


class RQQueue:
    """Jobs on RQ workers over Redis (``rq worker -u URL tsunagu``)."""

    backend = "rq"

    def __init__(self, settings: Settings, catalogue: Any = None) -> None:
        from redis import Redis
        from rq import Queue

        if not settings.redis_url:
            raise ConfigError("the RQ job queue needs redis_url (TSUNAGU_REDIS_URL)")
        self.settings = settings
        self.queue = Queue(QUEUE_NAME, connection=Redis.from_url(settings.redis_url))

    def enqueue(self, job: str, *args: str) -> None:
        JOBS.load(job)
        self.queue.enqueue(
            run_job,
            job,
            *args,
            job_timeout=self.settings.job_timeout,
            result_ttl=24 * 3600,
            failure_ttl=7 * 24 * 3600,
        )


QUEUES = Registry(
    "job queue",
    {"inprocess": "tsunagu.services.jobs:InProcessQueue", "rq": "tsunagu.services.jobs:RQQueue"},
)


def open_queue(settings: Settings, catalogue: Any = None) -> JobQueue:
    """RQ when a Redis URL is configured, else the in-process worker thread."""
    backend = "rq" if settings.redis_url else "inprocess"
    queue: JobQueue = QUEUES.load(backend)(settings, catalogue)
    return queue
