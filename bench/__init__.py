"""``make bench``: Tsunagu's speed and memory targets, measured against a reference in the same run.

Each benchmark module (listed explicitly in :mod:`bench.__main__`) offers ``cases(quick)`` → a list
of :class:`Case` and ``prepare(size)`` (builds the seeded input before timing). A case names the
work to time and, optionally, the reference to time on the same input, as dotted
``"module:function"`` strings: the runner calls each in a fresh child process, so peak memory is
that work's alone. See bench/README.md for how to read the table.
"""

from __future__ import annotations

import resource
import subprocess
from dataclasses import dataclass
from pathlib import Path


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM a server the bench started, and kill it if it has not gone within 20 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB: ``VmHWM`` of /proc/self/status.

    Not ``getrusage().ru_maxrss``: Linux carries the high-water mark of the process image that
    ``exec`` replaced into it, so a child started by a runner that holds 800 MB reported at
    least 800 MB whatever it used (measured: a 14 MB child of a 600 MB parent read 613 MB).
    ``ru_maxrss`` remains the fallback where there is no /proc.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass(frozen=True)
class Target:
    """What "fast enough" means for a case; ``None`` parts are not checked."""

    max_seconds: float | None = None
    max_peak_mb: float | None = None
    min_ratio: float | None = None  # reference median time / our median time

    def describe(self) -> str:
        parts = []
        if self.max_seconds is not None:
            parts.append(f"≤{self.max_seconds:g} s")
        if self.max_peak_mb is not None:
            parts.append(f"≤{self.max_peak_mb:g} MB")
        if self.min_ratio is not None:
            parts.append(f"≥{self.min_ratio:g}× ref")
        return ", ".join(parts) or "-"

    def failures(self, seconds: float, peak_mb: float, ratio: float | None) -> list[str]:
        """Which parts were missed, with the measured figure (empty list: met)."""
        missed = []
        if self.max_seconds is not None and seconds > self.max_seconds:
            missed.append(f"{seconds:.2f} s > {self.max_seconds:g} s")
        if self.max_peak_mb is not None and peak_mb > self.max_peak_mb:
            missed.append(f"{peak_mb:.0f} MB > {self.max_peak_mb:g} MB")
        if self.min_ratio is not None and (ratio is None or ratio < self.min_ratio):
            shown = "no reference" if ratio is None else f"{ratio:.1f}×"
            missed.append(f"{shown} < {self.min_ratio:g}×")
        return missed


@dataclass(frozen=True)
class Case:
    """One timed piece of work at one input size."""

    work: str  # shown in the table: "map page /map (cold)"
    size: int  # rows
    run: str  # "bench.map_page:run_page", called as run(size)
    reference: str | None = None  # same signature, timed in the same run for the ratio
    reference_label: str = ""
    target: Target | None = None
    #: "module:function" called as check(ours, reference) with what the last run of each
    #: returned (saved as JSON by the child, outside the clock); returns what differs (empty:
    #: the same). For "the same answers as the reference", which a faster wrong answer misses.
    check: str | None = None
    #: ``run`` names a *command builder*: ``builder(size) -> Command``, the command line a user
    #: types, timed as its own child process from start to exit (start-up, imports and file
    #: reading included: what the user waits for).
    command: bool = False


@dataclass(frozen=True)
class Command:
    """A command line as a user runs it, and what counts as having worked."""

    argv: list[str]
    cwd: Path
    ok_status: tuple[int, ...] = (0,)  # ``tsunagu validate`` says 1 for "invalid": expected
    #: The child is killed when its resident memory passes this (MB): a shared machine must
    #: survive a case that has not met its target yet. Killed = not met.
    kill_above_mb: float = 4096
