"""Servers started by tests as child processes: a free port, a wait that gives up, a stop.

One copy of what the gunicorn, dev-server, Redis and CKAN-site tests each wrote for
themselves: a wait ends as soon as the server is ready, and fails with the tail of its log
when the process exits or time runs out (never a silent hang); a stop escalates from a
signal to a kill so a stuck server cannot outlive its test.
"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

START_TIMEOUT = 60.0  # seconds; generous, the machine is shared


def free_port() -> int:
    """A port the OS has just handed out on 127.0.0.1 (free unless someone races for it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def log_tail(log: Path | None) -> str:
    return "" if log is None else log.read_text(encoding="utf-8", errors="replace")[-3000:]


def wait_for_log(
    process: subprocess.Popen,
    log: Path,
    pattern: str | re.Pattern[str],
    timeout: float = START_TIMEOUT,
) -> re.Match[str]:
    """The first match of ``pattern`` in the server's log, once it is written there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(pattern, log.read_text(encoding="utf-8", errors="replace"))
        if found:
            return found
        if process.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(f"no {pattern!r} in the server's log:\n{log_tail(log)}")


def wait_for_port(
    process: subprocess.Popen, port: int, timeout: float = START_TIMEOUT, log: Path | None = None
) -> None:
    """Return once ``127.0.0.1:port`` accepts a connection."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"nothing listens on port {port}:\n{log_tail(log)}") from None
            time.sleep(0.1)


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    """Ask with ``sig`` (SIGTERM; SIGINT is Ctrl-C), then kill after ``timeout`` seconds."""
    process.send_signal(sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@contextmanager
def running(
    command: Sequence[str],
    log: Path,
    *,
    cwd: Path,
    env: dict[str, str],
    sig: int = signal.SIGTERM,
    stop_timeout: float = 20,
) -> Iterator[subprocess.Popen]:
    """``command`` with its output in ``log``; stopped with ``sig`` when the block ends."""
    with log.open("wb") as sink:
        process = subprocess.Popen(
            list(command), cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
        try:
            yield process
        finally:
            stop(process, sig, stop_timeout)
