"""A bounded LRU of published files loaded into memory, keyed by (dataset id, sha256).

Shared by the feature store (GeoJSON layers) and the rows store (CSV tables): both load a
published file once per checksum — a new version has a new checksum and so a fresh entry — and
keep the most recently used ones, bounded by count and by bytes (the newest is always kept).
No Flask here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Generic, Protocol, TypeVar


class Sized(Protocol):
    @property
    def nbytes(self) -> int: ...


Loaded = TypeVar("Loaded", bound=Sized)


class LoadedFiles(Generic[Loaded]):
    def __init__(
        self,
        loader: Callable[[Path], Loaded],
        *,
        max_entries: int = 8,
        max_bytes: int = 512 * 1024 * 1024,
        on_evict: Callable[[str], None] | None = None,
    ) -> None:
        self._loader = loader
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._on_evict = on_evict
        self._entries: OrderedDict[tuple[str, str], Loaded] = OrderedDict()
        self._lock = threading.Lock()

    def get(
        self,
        dataset_id: str,
        path: Path,
        sha256: str,
        load: Callable[[Path], Loaded] | None = None,
    ) -> Loaded:
        """The loaded file, loading it (outside the lock) when this checksum is new; ``load``
        instead of the store's loader when the loading needs the key (the rows store names
        its shared Arrow copy by dataset and checksum)."""
        key = (dataset_id, sha256)
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        loaded = (load or self._loader)(path)  # outside the lock: others stay available
        with self._lock:
            self._entries[key] = loaded
            self._entries.move_to_end(key)
            self._evict()
        return loaded

    def _evict(self) -> None:
        while len(self._entries) > 1 and (
            len(self._entries) > self._max_entries or self.nbytes > self._max_bytes
        ):
            (dataset_id, _), _ = self._entries.popitem(last=False)
            if self._on_evict is not None:
                self._on_evict(dataset_id)

    @property
    def nbytes(self) -> int:
        return sum(entry.nbytes for entry in self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)
