"""The bounded LRU of loaded layers, keyed by (dataset id, sha256), shared by the APIs."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tsunagu.services.features.layer import FeatureLayer, FeatureQuery, load_layer
from tsunagu.services.features.query import query_layer
from tsunagu.services.loaded_files import LoadedFiles


class FeatureStore:
    """LRU of loaded layers keyed by ``(dataset id, sha256)``, bounded by count and bytes.

    ``opener(dataset_id) -> (path, sha256)`` finds the published file (a catalogue lookup,
    a few SQL queries). Its answer, together with the loaded layer, is reused for
    ``lookup_ttl`` seconds: a map panning at several requests a second, or a benchmark at
    hundreds, does no catalogue query and takes no lock in the common case, and a new version
    (a new checksum) is still picked up within seconds — at once after :meth:`forget`.
    """

    def __init__(
        self,
        opener: Callable[[str], tuple[Path, str]],
        *,
        max_layers: int = 8,
        max_bytes: int = 512 * 1024 * 1024,
        lookup_ttl: float = 2.0,
    ) -> None:
        self._opener = opener
        self._lookup_ttl = lookup_ttl
        self._recent: dict[str, tuple[float, str, FeatureLayer]] = {}
        self._layers: LoadedFiles[FeatureLayer] = LoadedFiles(
            load_layer, max_entries=max_layers, max_bytes=max_bytes, on_evict=self.forget
        )

    def lookup(self, dataset_id: str) -> tuple[str, FeatureLayer]:
        """(sha256 of the published file, its loaded layer)."""
        now = time.monotonic()
        recent = self._recent.get(dataset_id)
        if recent is not None and now < recent[0]:
            return recent[1], recent[2]
        path, sha256 = self._opener(dataset_id)
        loaded = self._layers.get(dataset_id, path, sha256)
        if self._lookup_ttl > 0:
            self._recent[dataset_id] = (now + self._lookup_ttl, sha256, loaded)
        return sha256, loaded

    def layer(self, dataset_id: str) -> FeatureLayer:
        return self.lookup(dataset_id)[1]

    def forget(self, dataset_id: str) -> None:
        """Drop the cached lookup (call after publishing a version in this process)."""
        self._recent.pop(dataset_id, None)

    @property
    def nbytes(self) -> int:
        return self._layers.nbytes

    def __len__(self) -> int:
        return len(self._layers)

    def query(self, dataset_id: str, query: FeatureQuery) -> dict[str, Any]:
        result = query_layer(self.layer(dataset_id), query)
        result["dataset"] = dataset_id
        return result
