"""tsunagu.services.loaded_files: one load per checksum, LRU bounded by count and bytes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tsunagu.services.loaded_files import LoadedFiles


@dataclass
class Blob:
    path: Path
    nbytes: int = 10


def test_loads_once_per_checksum_and_evicts_the_least_recent():
    loads: list[Path] = []
    evicted: list[str] = []
    load = lambda p: loads.append(p) or Blob(p)  # noqa: E731
    files = LoadedFiles(load, max_entries=2, on_evict=evicted.append)
    a1 = files.get("a", Path("a1"), "1")
    assert files.get("a", Path("a1"), "1") is a1 and loads == [Path("a1")]
    files.get("b", Path("b"), "x")
    files.get("a", Path("a1"), "1")  # a is now the most recent
    files.get("c", Path("c"), "y")
    assert evicted == ["b"] and len(files) == 2
    files.get("a", Path("a2"), "2")  # a new version is a new entry
    assert loads[-1] == Path("a2") and evicted == ["b", "a"]


def test_bytes_bound_keeps_at_least_the_newest():
    files = LoadedFiles(lambda p: Blob(p, nbytes=100), max_bytes=150)
    files.get("a", Path("a"), "1")
    files.get("b", Path("b"), "1")
    assert len(files) == 1 and files.nbytes == 100
    big = LoadedFiles(lambda p: Blob(p, nbytes=1000), max_bytes=150)
    big.get("a", Path("a"), "1")
    assert len(big) == 1
