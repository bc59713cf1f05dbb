"""Private work folders for one run, and the start-up sweep of what killed runs left behind.

Every publish or convert run writes its intermediate files (standard CSV, GeoJSON, reports) in a
folder of its own, ``<data dir>/work/.run-<random>/`` (``mkdtemp``: mode 0700, a name no other
run can take), so two runs never write the same file, whatever dataset they handle. The run
holds an ``flock`` on ``.owner`` inside its folder while it lives; the kernel drops that lock
when the process dies, which is how :func:`sweep_stale` tells a dead run's folder (removed)
from a live one (kept) without guessing from ages or process ids. The same test decides for
``.incoming-*`` and ``*.part`` files, whose writers hold a lock on them while writing.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

WORK_DIR = "work"
RUN_PREFIX = ".run-"
OWNER = ".owner"
GRACE_SECONDS = 10.0


@contextmanager
def run_folder(data_dir: Path, label: str = "") -> Iterator[Path]:
    """A fresh private folder for one run, removed with everything in it when the run ends.

    Removed on failure too (an exception, a disk-full error), so a failed run leaves no work
    files; a run killed outright leaves its folder to :func:`sweep_stale`.
    """
    root = Path(data_dir) / WORK_DIR
    root.mkdir(parents=True, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in label)[:40]
    folder = Path(tempfile.mkdtemp(prefix=f"{RUN_PREFIX}{safe}-" if safe else RUN_PREFIX, dir=root))
    fd = os.open(folder / OWNER, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        os.close(fd)


@contextmanager
def held_while_writing(path: Path) -> Iterator[int]:
    """Create ``path`` and hold a lock on it while the caller writes it (see the module doc)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)


def _unowned(path: Path) -> bool:
    """True when nobody holds the lock on ``path`` (its writer finished or died).

    Anything younger than a few seconds is kept: between creating a file and locking it there is
    a moment when a live writer does not hold it yet.
    """
    try:
        if time.time() - path.stat().st_mtime < GRACE_SECONDS:
            return False
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


def sweep_stale(data_dir: Path) -> list[Path]:
    """Remove what killed runs left in the data dir; returns what was removed.

    Looks at: run folders under ``work/`` whose owner lock is free; ``.incoming-*`` files in the
    blob store and ``*.part`` files in the file caches whose writer no longer holds them. Safe
    while other runs are working: anything still locked by a live process is kept.
    """
    data_dir = Path(data_dir)
    removed: list[Path] = []
    work = data_dir / WORK_DIR
    if work.is_dir():
        for folder in work.glob(f"{RUN_PREFIX}*"):
            owner = folder / OWNER
            if folder.is_dir() and _unowned(owner if owner.exists() else folder):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
    for pattern in ("storage/*/.incoming-*", "cache/*/.*.part", f"{WORK_DIR}/*/*.part"):
        for path in data_dir.glob(pattern):
            if path.is_file() and _unowned(path):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                removed.append(path)
    if removed:
        log.info("removed %d files left by interrupted runs", len(removed))
    return removed
