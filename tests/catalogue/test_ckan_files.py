"""The local cache of CKAN resource files: one download per content hash, verified, bounded."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tsunagu.catalogue.ckan_files import FileCache, FileCorrupt, content_key


def resource(data: bytes, **extra: object) -> dict:
    return {"id": "r1", "hash": hashlib.sha256(data).hexdigest(), **extra}


class Downloads:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.count = 0

    def __call__(self, target: Path) -> None:
        self.count += 1
        target.write_bytes(self.data)


def test_a_file_is_downloaded_once_per_hash_and_again_when_it_changes(tmp_path):
    cache = FileCache(tmp_path)
    first = Downloads(b"ID,name\r\n1,a\r\n")
    path, key = cache.get(resource(first.data), first)
    again, _ = cache.get(resource(first.data), first)
    assert (first.count, path, again) == (1, again, path)
    assert key == hashlib.sha256(first.data).hexdigest() and path.read_bytes() == first.data
    changed = Downloads(b"ID,name\r\n1,b\r\n")
    new_path, new_key = cache.get(resource(changed.data), changed)
    assert changed.count == 1 and new_key != key and new_path.read_bytes() == changed.data


def test_bytes_that_do_not_match_the_hash_are_never_served_or_kept(tmp_path):
    cache = FileCache(tmp_path)
    wrong = Downloads(b"<html>proxy error</html>")
    with pytest.raises(FileCorrupt):
        cache.get(resource(b"the real file"), wrong)
    assert list(tmp_path.iterdir()) == []  # neither the file nor a partial one


def test_a_resource_without_a_sha256_is_keyed_by_id_and_modification_time():
    key, verified = content_key({"id": "r1", "hash": "", "last_modified": "2026-01-01"})
    other, _ = content_key({"id": "r1", "hash": "", "last_modified": "2026-02-01"})
    assert not verified and key != other and key.startswith("r-")
    assert content_key({"hash": "sha256:" + "a" * 64}) == ("a" * 64, True)


def test_the_cache_keeps_within_its_byte_bound_dropping_the_least_recent(tmp_path):
    cache = FileCache(tmp_path, max_bytes=25)
    paths = []
    for n in range(3):
        data = f"file number {n}!".encode()  # 14 bytes each: two never fit in 25
        paths.append(cache.get(resource(data), Downloads(data))[0])
    assert [p.exists() for p in paths] == [False, False, True]
