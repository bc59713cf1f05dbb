"""CKAN dict shaping without a request: timestamps, resource history, organisations."""

from __future__ import annotations

from tsunagu.catalogue.base import VersionRecord
from tsunagu.services.ckan.shapes import absolute, ckan_time, resource_times


def _version(number: int, created: str, **checksums: str) -> VersionRecord:
    return VersionRecord(number, created, "cli", checksums, {})


def test_ckan_time_is_naive_utc_with_microseconds():
    assert ckan_time("2026-04-01T09:00:00+09:00") == "2026-04-01T00:00:00.000000"
    assert ckan_time("2026-11-24T20:32:38.953382") == "2026-11-24T20:32:38.953382"
    assert ckan_time("") is None


def test_resource_times_read_the_history_newest_first():
    versions = [
        _version(4, "2026-04-04T00:00:00+00:00", csv="c", geojson="g2"),
        _version(3, "2026-03-03T00:00:00+00:00", csv="c", geojson="g1"),
        _version(2, "2026-02-02T00:00:00+00:00", csv="b", geojson="g1"),
        _version(1, "2026-01-01T00:00:00+00:00", csv="a"),
    ]
    # csv: present since v1, current content since v3
    assert resource_times("csv", "c", versions) == (
        "2026-01-01T00:00:00+00:00",
        "2026-03-03T00:00:00+00:00",
    )
    # geojson: added in v2, changed in v4
    assert resource_times("geojson", "g2", versions) == (
        "2026-02-02T00:00:00+00:00",
        "2026-04-04T00:00:00+00:00",
    )


def test_resource_removed_and_added_again_counts_from_its_return():
    versions = [
        _version(3, "2026-03-03T00:00:00+00:00", csv="x"),
        _version(2, "2026-02-02T00:00:00+00:00"),
        _version(1, "2026-01-01T00:00:00+00:00", csv="x"),
    ]
    assert resource_times("csv", "x", versions) == (
        "2026-03-03T00:00:00+00:00",
        "2026-03-03T00:00:00+00:00",
    )


def test_absolute_keeps_external_urls_and_prefixes_site_paths():
    assert absolute("http://h/od", "/datasets/a/resources/csv/a.csv") == (
        "http://h/od/datasets/a/resources/csv/a.csv"
    )
    assert absolute("http://h", "https://ckan.example/x.csv") == "https://ckan.example/x.csv"
