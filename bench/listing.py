"""Listing cost: the catalogue page, ``package_search`` and ``/api/v1/datasets`` at 50 and 1,000
datasets (issue 12: each ≤ 50 ms at 1,000; a listing must not cost one query per dataset).

Input: ``size`` seeded datasets (two small files each, five departments, a few tags) published
once into a LocalCatalogue (SQLite) under ``bench/_generated/listing_<size>/`` and reused.
Timed work: a new app over that catalogue answers each route once to warm up (templates,
connections), then ``REQUESTS`` times; the median of each route is reported in the row's detail
line. At 1,000 datasets a median over ``TARGET_MS`` fails the case with the figures (SystemExit).
The 50-dataset row is there to show growth: with no per-dataset query the figures grow far less
than the 20× in the number of datasets.

``python -m bench listing`` (in the shared table) or ``python -m bench.listing [--size N]``.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from pathlib import Path

from bench import Case, Target
from bench.generate import generated_dir
from tsunagu.catalogue.base import DatasetMeta, PublishRequest, ResourceFile
from tsunagu.catalogue.local import LocalCatalogue
from tsunagu.config import load_settings
from tsunagu.webapp import create_app

ROUTES = {
    "catalogue page": "/datasets",
    "package_search": "/api/3/action/package_search",
    "/api/v1/datasets": "/api/v1/datasets",
}
REQUESTS = 15
TARGET_MS = 50.0
TARGET_SIZE = 1_000
DEPARTMENTS = ("kenko", "bousai", "koen", "hoiku", "shimin")
TAGS = ("防災", "AED", "トイレ", "子育て", "人口", "GIS", "観光")


def _folder(size: int) -> Path:
    return generated_dir() / f"listing_{size}"


def _catalogue(size: int) -> LocalCatalogue:
    folder = _folder(size)
    return LocalCatalogue(f"sqlite:///{folder / 'catalogue.sqlite3'}", folder / "storage")


def _file(folder: Path, key: str, name: str, text: str, fmt: str, mediatype: str) -> ResourceFile:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    data = path.read_bytes()
    return ResourceFile(
        key, path, name, fmt, mediatype, hashlib.sha256(data).hexdigest(), len(data)
    )


def prepare(size: int) -> None:
    """Publish ``size`` datasets once (seeded: dataset ``n`` is always the same)."""
    folder = _folder(size)
    done = folder / "published"
    if done.exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    catalogue = _catalogue(size)
    files = folder / "files"
    files.mkdir(exist_ok=True)
    for n in range(size):
        department = DEPARTMENTS[n % len(DEPARTMENTS)]
        meta = DatasetMeta(
            f"bench-{n:05d}", f"施設一覧 {n}", f"Facilities {n}", f"第{n}の説明です。",
            f"Description {n}.", department, f"{department}課", f"{department} division",
            "aed-installations", "AED設置箇所一覧", "CC-BY-4.0", "yearly",
            (TAGS[n % len(TAGS)], TAGS[(n * 3 + 1) % len(TAGS)]),
        )  # fmt: skip
        resources = (
            _file(files, "csv", f"{n}.csv", f"ID,名称\r\n{n},施設{n}\r\n", "CSV", "text/csv"),
            _file(files, "geojson", f"{n}.geojson", '{"type":"FeatureCollection","features":[]}',
                  "GeoJSON", "application/geo+json"),
        )  # fmt: skip
        catalogue.publish(PublishRequest(meta, resources))
    catalogue.engine.dispose()
    done.write_text(str(size), encoding="utf-8")


def measure(size: int) -> dict[str, float]:
    """Median milliseconds per route on a warmed app."""
    settings = load_settings(
        {"data_dir": _folder(size) / "instance"}, env={"TSUNAGU_API_RATE": "1000000/second"}
    )
    app = create_app(settings, catalogue=_catalogue(size))
    client = app.test_client()
    medians = {}
    for label, path in ROUTES.items():
        warm = client.get(path)
        if warm.status_code != 200:
            raise SystemExit(f"{path} answered {warm.status_code}")
        timings = []
        for _ in range(REQUESTS):
            start = time.perf_counter()
            client.get(path)
            timings.append((time.perf_counter() - start) * 1000)
        medians[label] = statistics.median(timings)
    return medians


def run_listing(size: int) -> str:
    medians = measure(size)
    figures = ", ".join(f"{label} {ms:.1f} ms" for label, ms in medians.items())
    missed = [label for label, ms in medians.items() if ms > TARGET_MS]
    if size >= TARGET_SIZE and missed:
        raise SystemExit(
            f"listing NOT MET at {size:,} datasets (each ≤ {TARGET_MS:g} ms): {figures}"
        )
    return f"median of {REQUESTS}: {figures} (target ≤ {TARGET_MS:g} ms each at {TARGET_SIZE:,})"


def cases(quick: bool) -> list[Case]:
    if quick:
        return [Case("listing (3 routes)", 20, "bench.listing:run_listing")]
    return [
        Case("listing (3 routes)", 50, "bench.listing:run_listing"),
        Case("listing (3 routes)", TARGET_SIZE, "bench.listing:run_listing", target=Target()),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.listing")
    parser.add_argument("--size", type=int, default=TARGET_SIZE)
    args = parser.parse_args(argv)
    prepare(args.size)
    medians = measure(args.size)
    for label, ms in medians.items():
        verdict = "met" if ms <= TARGET_MS else f"NOT MET: {ms:.1f} ms > {TARGET_MS:g} ms"
        print(f"{label:<20} {args.size:>6,} datasets  median {ms:7.1f} ms  {verdict}")
    return 0 if all(ms <= TARGET_MS for ms in medians.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
