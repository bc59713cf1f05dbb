"""Which thread pools would not survive gunicorn's fork.

gunicorn's master (``preload_app``) builds the app and loads the map layers, then forks the
workers. A fork copies only the calling thread: a pool whose threads were started before it is
gone in the worker, while the library still believes it is there, so the worker's first call
into it waits forever (issue 12: every rows request hung until gunicorn killed the worker).
Polars' compute pool (rayon, threads ``polars-N``) and its async runtime (``tokio-rt-worker``)
are such pools; merely importing polars starts neither. Pools that re-arm themselves across a
fork are not listed: OpenBLAS and jemalloc (``pthread_atfork`` handlers) and Arrow's CPU pool
(it notices the new process and restarts its threads).

The master calls :func:`unsafe_thread_pools` before forking and refuses to start when it finds
one, naming it: a clear start-up failure instead of workers that hang. No Flask here.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from tsunagu.errors import TsunaguError

#: Thread-name patterns (Linux ``comm``, at most 15 characters) of pools lost in a fork.
FORK_UNSAFE_POOLS: dict[str, re.Pattern[str]] = {
    "polars (rayon compute pool)": re.compile(r"polars-\d+"),
    "polars (tokio async runtime)": re.compile(r"tokio-rt-worker"),
}


def thread_names(task_dir: Path = Path("/proc/self/task")) -> list[str]:
    """Names of this process's threads; empty where ``/proc`` does not exist (not Linux)."""
    names = []
    try:
        tasks = list(task_dir.iterdir())
    except OSError:
        return []
    for task in tasks:
        try:
            names.append((task / "comm").read_text(encoding="utf-8").strip())
        except OSError:  # the thread ended while we looked
            continue
    return names


def unsafe_thread_pools(names: list[str] | None = None) -> list[str]:
    """The fork-unsafe pools running in this process (by library), sorted."""
    names = thread_names() if names is None else names
    return sorted(
        pool
        for pool, pattern in FORK_UNSAFE_POOLS.items()
        if any(pattern.fullmatch(name) for name in names)
    )


class ForkUnsafe(TsunaguError):
    """A thread pool that a fork would lose runs in the process about to fork the workers."""

    code = "fork-unsafe-thread-pool"
    http_status = 500


def check_before_fork(pid: int | None = None) -> None:
    """Raise :class:`ForkUnsafe` when a fork-unsafe pool runs in this process."""
    found = unsafe_thread_pools()
    if found:
        pools = ", ".join(found)
        raise ForkUnsafe(
            f"process {pid or os.getpid()} started thread pools that do not survive a fork "
            f"({pools}) before forking the workers; their requests would hang. Load layers "
            "without polars in the master, or set TSUNAGU_WARM_LAYERS=0",
            message_ja=f"ワーカーを fork する前にスレッドプール（{pools}）が起動しています。"
            "このままでは要求が応答しなくなります。TSUNAGU_WARM_LAYERS=0 で起動してください",
        )
