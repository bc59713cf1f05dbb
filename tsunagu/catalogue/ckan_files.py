"""Local copies of CKAN resources, one file per content hash, for the APIs that load files.

The web app's rows, features, OGC and download routes need a file on disk; with
``catalogue=ckan`` the file lives in CKAN. Each resource is downloaded once and kept under its
sha256 (the ``hash`` Tsunagu writes on every resource it uploads), so a changed resource has a
new name and is fetched again, and an unchanged one never is. A download is checked against that
hash (a proxy's error page or a truncated transfer is never served as data), written to a
temporary name and renamed, so a concurrent reader — another thread or gunicorn worker — sees
either nothing or the whole file. A resource made by hand in CKAN without a sha256 ``hash`` is
keyed by its id and modification time instead. The cache is bounded in bytes; the least
recently used files go first.

Hand-written over the filesystem rather than a cache library (diskcache and the like): the
entries are whole files that the loaders and ``send_file`` open by path, in several processes,
and the key is the content hash itself, so a rename is all the coordination needed.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tsunagu.catalogue.blobs import sha256_file
from tsunagu.errors import CatalogueError

_SHA256 = re.compile(r"[0-9a-f]{64}")
DEFAULT_MAX_BYTES = 4 * 1024**3


class FileCorrupt(CatalogueError):
    """The downloaded bytes are not the resource CKAN describes (hash mismatch)."""

    code = "catalogue-file-mismatch"


def content_key(resource: dict[str, Any]) -> tuple[str, bool]:
    """(cache key, whether it is the verified sha256 of the content)."""
    digest = str(resource.get("hash") or "").lower().removeprefix("sha256:")
    if _SHA256.fullmatch(digest):
        return digest, True
    stamp = "|".join(
        str(resource.get(k) or "") for k in ("id", "last_modified", "metadata_modified", "size")
    )
    return "r-" + hashlib.sha256(stamp.encode()).hexdigest(), False


class FileCache:
    def __init__(self, directory: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self._lock = threading.Lock()

    def get(self, resource: dict[str, Any], download: Callable[[Path], None]) -> tuple[Path, str]:
        """The cached file of ``resource`` and its key, calling ``download(target)`` on a miss."""
        key, verified = content_key(resource)
        path = self.directory / key
        if path.is_file():
            with contextlib.suppress(OSError):
                os.utime(path)  # recently used: kept longest
            return path, key
        self.directory.mkdir(parents=True, exist_ok=True)
        partial = self.directory / f".{key}.{uuid.uuid4().hex}.part"
        holder = os.open(partial, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(holder, fcntl.LOCK_EX)  # held while downloading: the start-up sweep keeps it
        try:
            download(partial)
            if verified and sha256_file(partial) != key:
                raise FileCorrupt(
                    f"the file of CKAN resource {resource.get('id')} does not match its sha256"
                    " hash; it was not used",
                    message_ja=f"CKAN のリソース {resource.get('id')} のファイルがハッシュ値と"
                    "一致しないため使いませんでした",
                )
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
            os.close(holder)
        self._trim(keep=path)
        return path, key

    def _trim(self, keep: Path) -> None:
        """Drop least recently used files until the cache fits (the newest file always stays)."""
        with self._lock:
            files = []
            for entry in self.directory.iterdir():
                if entry.name.startswith(".") or entry == keep:
                    continue
                with contextlib.suppress(OSError):
                    files.append((entry.stat().st_mtime, entry.stat().st_size, entry))
            total = sum(size for _, size, _ in files) + keep.stat().st_size
            for _, size, entry in sorted(files):
                if total <= self.max_bytes:
                    break
                entry.unlink(missing_ok=True)  # a reader holding it open keeps its bytes
                total -= size
