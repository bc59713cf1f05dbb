"""One lock per dataset, shared by every process on the host that publishes or converts it.

A run of one dataset (read → normalize → validate → convert → publish) holds
``<data dir>/locks/<dataset id>.lock`` with an exclusive ``flock`` from its first read to its
catalogue write, so two runs of the same dataset never interleave: the second starts only after
the first has published and then sees its result. ``flock`` is released by the kernel when the
holder dies (even by ``kill -9``), so a crashed run never leaves the dataset locked. The lock file
itself is left in place on purpose: removing it would let a waiter and a newcomer lock two
different files of the same name.
"""

from __future__ import annotations

import fcntl
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tsunagu.errors import ConfigError, DatasetBusy

LOCKS_DIR = "locks"
# fullmatch, never `$`: a dataset id is also a file name here (no "/", no "..", no newline).
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
_POLL_SECONDS = 0.05


def lock_path(data_dir: Path, dataset_id: str) -> Path:
    """Where the lock of ``dataset_id`` lives; refuses an id that is not a plain file name."""
    if not _SAFE_ID.fullmatch(dataset_id) or ".." in dataset_id:
        raise ConfigError(
            f"dataset id {dataset_id!r} cannot be locked: use letters, digits, '.', '_' and '-'",
            message_ja=f"データセットID {dataset_id!r} は使えません。"
            "英数字と . _ - だけにしてください",
            code="dataset-id-invalid",
        )
    return Path(data_dir) / LOCKS_DIR / f"{dataset_id}.lock"


@contextmanager
def dataset_lock(
    data_dir: Path, dataset_id: str, *, wait: bool = True, timeout: float | None = None
) -> Iterator[Path]:
    """Hold ``dataset_id``'s lock for the block; yields the lock file's path.

    ``wait=False`` raises :class:`DatasetBusy` at once when another run holds it; ``timeout``
    (seconds) waits at most that long, then raises it. The lock is per open file, so it also
    excludes another thread of this process that takes it through this function.
    """
    path = lock_path(data_dir, dataset_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _acquire(fd, dataset_id, wait=wait, timeout=timeout)
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())  # who holds it, for a person looking
            yield path
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, dataset_id: str, *, wait: bool, timeout: float | None) -> None:
    if wait and timeout is None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return
    deadline = time.monotonic() + (timeout or 0.0)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if not wait or time.monotonic() >= deadline:
                raise DatasetBusy(
                    f"dataset {dataset_id!r} is being published or converted by another run;"
                    " try again when it has finished",
                    message_ja=f"データセット「{dataset_id}」は別の処理が公開または変換中です。"
                    "終わってからもう一度実行してください",
                ) from None
            time.sleep(_POLL_SECONDS)
