"""The peers' virtual environments, the shared seeded data, and the servers of ``bench.peers``.

Nothing here is timed. Each peer is installed by pip into ``build/peers/<name>/`` (its own
interpreter and libraries, never ours), on first use; the data are seeded by :mod:`bench.generate`
and written once under ``bench/_generated/peers/``; every server listens on 127.0.0.1 only.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench import stop_server
from bench.generate import KASHIWA_BBOX, facility_csv, generated_dir, points_geojson
from bench.peers import (
    Client,
    Comparison,
    RequestFailed,
    Row,
    Side,
    datasette_answer,
    ogc_answer,
    package_search_answer,
    package_show_answer,
    query,
    rows_answer,
    unavailable,
)

ROOT = Path(__file__).resolve().parent.parent
PEERS_DIR = ROOT / "build" / "peers"
#: What each peer's environment gets from pip (its fastest provider's libraries included).
PACKAGES = {
    "pygeoapi": ["pygeoapi", "gunicorn", "pyarrow", "geopandas", "pyogrio", "s3fs"],
    "datasette": ["datasette"],
}
PEERS = ("pygeoapi", "datasette", "ckan")
POINTS, ROWS, DATASETS = 100_000, 100_000, 100
SEED = 20261206
START_TIMEOUT = 120
ORGANISATION = "tsunagu-bench-peers"
POINTS_ID, ROWS_ID = "peers-points", "peers-rows"
#: Equality filters of the Datasette comparison: the kana of each kind of facility (indexed).
KANA = ("トショカン", "コウエン", "ショウボウショ", "ホイクエン", "シミンタイイクカン")
#: Substring searches: words inside 名称 (and, for towns, inside the address of the same row).
TERMS = ("図書館", "消防署", "豊四季", "南柏", "大島田")
TAGS = ("防災", "AED", "トイレ", "子育て", "人口", "GIS", "観光")
DEPARTMENTS = ("kenko", "bousai", "koen", "hoiku", "shimin")


@dataclass(frozen=True)
class Sizes:
    points: int = POINTS
    rows: int = ROWS
    datasets: int = DATASETS

    def describe(self) -> str:
        return (f"{self.points:,} points, {self.rows:,} rows, {self.datasets} datasets in CKAN; "
                f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip


def peer_python(name: str) -> Path:
    """``build/peers/<name>/bin/python``, the venv created and filled by pip on first use."""
    folder = PEERS_DIR / name
    python = folder / "bin" / "python"
    done = folder / ".installed"
    if done.exists():
        return python
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(folder)], check=True)
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", *PACKAGES[name]],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if installed.returncode != 0:
        raise RuntimeError(f"pip install {' '.join(PACKAGES[name])} failed: "
                           f"{installed.stderr.strip().splitlines()[-1:]}")  # fmt: skip
    done.write_text(" ".join(PACKAGES[name]), encoding="utf-8")
    return python


def _folder() -> Path:
    folder = generated_dir() / "peers"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# -- the queries --------------------------------------------------------------------------------


def views(count: int, seed: int = SEED) -> list[tuple[float, float, float, float]]:
    """Small map views (≈ 300 m × 200 m) inside Kashiwa: every match fits one page of 1000."""
    rng = np.random.default_rng(seed)
    west, south, east, north = KASHIWA_BBOX
    out = []
    for _ in range(count):
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        out.append(
            tuple(round(v, 6) for v in (lon - 0.0017, lat - 0.0009, lon + 0.0017, lat + 0.0009))
        )
    return out  # type: ignore[return-value]


# -- our server ---------------------------------------------------------------------------------


def _resource(key: str, path: Path, fmt: str, media: str) -> Any:
    from tsunagu.catalogue.base import ResourceFile

    data = path.read_bytes()
    return ResourceFile(
        key, path, path.name, fmt, media, hashlib.sha256(data).hexdigest(), len(data)
    )


def _meta(dataset_id: str, n: int, organisation: str) -> Any:
    from tsunagu.catalogue.base import DatasetMeta

    return DatasetMeta(
        dataset_id, f"施設一覧 {n}", f"Facilities {n}", f"第{n}の説明です。", f"Description {n}.",
        organisation, "ベンチマーク課", "Benchmarks", "aed-installations", "AED設置箇所一覧",
        "CC-BY-4.0", "yearly", (TAGS[n % len(TAGS)], TAGS[(n * 3 + 1) % len(TAGS)]),
    )  # fmt: skip


def catalogue_requests(count: int) -> list[Any]:
    """The datasets both catalogues hold (ours and CKAN), the same requests on both sides."""
    from tsunagu.catalogue.base import PublishRequest

    files = _folder() / "files"
    files.mkdir(exist_ok=True)
    requests = []
    for n in range(count):
        csv = files / f"{n}.csv"
        csv.write_text(f"ID,名称\r\n{n},施設{n}\r\n", encoding="utf-8")
        meta = _meta(f"peers-{n:05d}", n, ORGANISATION)
        requests.append(PublishRequest(meta, (_resource("csv", csv, "CSV", "text/csv"),)))
    return requests


def our_data_dir(sizes: Sizes) -> Path:
    """A local catalogue with the points layer, the rows table and the CKAN datasets."""
    from tsunagu.catalogue.base import PublishRequest
    from tsunagu.catalogue.local import LocalCatalogue
    from tsunagu.config import load_settings

    data_dir = _folder() / f"ours-{sizes.points}-{sizes.rows}-{sizes.datasets}"
    done = data_dir / ".published"
    if done.exists():
        return data_dir
    catalogue = LocalCatalogue.from_settings(load_settings({"data_dir": data_dir}, env={}))
    points = points_geojson(sizes.points)
    rows = facility_csv(sizes.rows)
    for dataset_id, resource in (
        (POINTS_ID, _resource("geojson", points, "GeoJSON", "application/geo+json")),
        (ROWS_ID, _resource("csv", rows, "CSV", "text/csv")),
    ):
        catalogue.publish(PublishRequest(_meta(dataset_id, 0, "bench"), (resource,)))
    for request in catalogue_requests(sizes.datasets):
        catalogue.publish(request)
    catalogue.engine.dispose()
    done.write_text("done", encoding="utf-8")
    return data_dir


class Served:
    """A server child process on an ephemeral loopback port, found in its log."""

    PORT = re.compile(r"(?:Listening at:|running on) http://127\.0\.0\.1:(\d+)")

    def __init__(self, argv: list[str], env: dict[str, str], log: Path, cwd: Path) -> None:
        self.log = log
        self._sink = log.open("wb")
        self.process = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=self._sink, stderr=subprocess.STDOUT
        )
        self.url = f"http://127.0.0.1:{self._port()}"

    def _port(self) -> int:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and self.process.poll() is None:
            text = self.log.read_text(encoding="utf-8", errors="replace")
            found = self.PORT.search(text)
            if found and ("Booting worker" in text or "Uvicorn running" in text):
                return int(found[1])
            time.sleep(0.2)
        self.stop()
        tail = self.log.read_text(encoding="utf-8", errors="replace")[-1500:]
        raise RuntimeError(f"{Path(self.process.args[0]).name} did not start: {tail}")

    def stop(self) -> None:
        stop_server(self.process)
        self._sink.close()

    def __enter__(self) -> Served:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def ours(data_dir: Path, log: Path) -> Served:
    """``gunicorn -c gunicorn.conf.py tsunagu.wsgi:app`` as deployed; API rate limit lifted."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TSUNAGU_", "GUNICORN_"))}
    env |= {"TSUNAGU_DATA_DIR": str(data_dir), "TSUNAGU_API_RATE": "1000000/second",
            "GUNICORN_BIND": "127.0.0.1:0"}  # fmt: skip
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    argv = [gunicorn, "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null"]
    return Served([*argv, "tsunagu.wsgi:app"], env, log, ROOT)


# -- pygeoapi -----------------------------------------------------------------------------------


def pygeoapi_config(provider: str, data: Path) -> dict[str, Any]:
    """A minimal pygeoapi configuration with one collection (JSON is YAML, so it is written as
    JSON). The Parquet provider filters a bbox on plain x/y columns written beside the geometry."""
    if provider == "Parquet":
        source: dict[str, Any] = {"data": {"source": str(data)}, "x_field": "x", "y_field": "y"}
    else:
        source = {"data": str(data)}
    return {
        "server": {
            "bind": {"host": "127.0.0.1", "port": 5000}, "url": "http://127.0.0.1:5000",
            "mimetype": "application/json; charset=UTF-8", "encoding": "utf-8",
            "languages": ["en-US"], "limits": {"default_items": 10, "max_items": 1000},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": "OSM"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {"title": "bench", "description": "bench", "keywords": ["bench"],
                               "terms_of_service": "", "url": "http://127.0.0.1"},
            "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            "provider": {"name": "bench", "url": "http://127.0.0.1"},
            "contact": {"name": "bench"},
        },
        "resources": {
            "points": {
                "type": "collection", "title": "points", "description": "points",
                "keywords": ["points"],
                "extents": {"spatial": {"bbox": list(KASHIWA_BBOX),
                                        "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
                "providers": [{"type": "feature", "name": provider, "id_field": "ID", **source}],
            }
        },
    }  # fmt: skip


def pygeoapi_data(sizes: Sizes, provider: str) -> Path:
    """The same points for pygeoapi's provider: the GeoJSON itself, or GeoParquet from it."""
    geojson = points_geojson(sizes.points)
    if provider == "GeoJSON":
        return geojson
    parquet = _folder() / f"points_{sizes.points}.parquet"
    if not parquet.exists():
        python = peer_python("pygeoapi")
        script = (
            "import geopandas, sys; f = geopandas.read_file(sys.argv[1], engine='pyogrio'); "
            "f['x'], f['y'] = f.geometry.x, f.geometry.y; f.to_parquet(sys.argv[2])"
        )
        subprocess.run([str(python), "-c", script, str(geojson), str(parquet)], check=True)
    return parquet


def pygeoapi(sizes: Sizes, tmp: Path, provider: str) -> Served:
    """pygeoapi's Flask app under gunicorn, 2 sync workers (ours' worker model), one collection."""
    python = peer_python("pygeoapi")
    config = tmp / "pygeoapi.yml"
    document = pygeoapi_config(provider, pygeoapi_data(sizes, provider))
    config.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    openapi = tmp / "pygeoapi-openapi.yml"
    env = {**os.environ, "PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    bin_dir = python.parent
    generate = [str(bin_dir / "pygeoapi"), "openapi", "generate", str(config)]
    subprocess.run([*generate, "--output-file", str(openapi)], env=env, check=True,
                   capture_output=True)  # fmt: skip
    argv = [str(bin_dir / "gunicorn"), "-w", "2", "-b", "127.0.0.1:0", "--access-logfile",
            "/dev/null", "pygeoapi.flask_app:APP"]  # fmt: skip
    return Served(argv, env, tmp / "pygeoapi.log", tmp)


def ogc_comparison(ours_url: str, peer_url: str, provider: str) -> Comparison:
    boxes = [",".join(map(str, box)) for box in views(30)]
    mine = [
        query(f"/ogc/collections/{POINTS_ID}/items", bbox=b, limit=1000, f="json") for b in boxes
    ]
    theirs = [query("/collections/points/items", bbox=b, limit=1000, f="json") for b in boxes]
    return Comparison(
        "OGC items, bbox (≈300×200 m view)",
        Side("ours", ours_url, mine, ogc_answer),
        Side(f"pygeoapi/{provider}", peer_url, theirs, ogc_answer),
        5.0,
    )


# -- Datasette ----------------------------------------------------------------------------------


def datasette_db(sizes: Sizes) -> Path:
    """The facility table in SQLite, every cell as text, 名称_カナ and ID indexed."""
    import polars as pl

    path = _folder() / f"facilities_{sizes.rows}.db"
    if path.exists():
        return path
    frame = pl.read_csv(facility_csv(sizes.rows), infer_schema=False)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    with sqlite3.connect(partial) as db:
        # The column names are the generator's own constants, not input: no injection here.
        columns = ", ".join(f'"{c}" TEXT' for c in frame.columns)
        db.execute(f"CREATE TABLE facilities ({columns})")
        marks = ", ".join("?" for _ in frame.columns)
        insert = f"INSERT INTO facilities VALUES ({marks})"  # noqa: S608 - placeholders only
        db.executemany(insert, frame.iter_rows())
        db.execute('CREATE INDEX facilities_kana ON facilities ("名称_カナ")')
        db.execute('CREATE INDEX facilities_id ON facilities ("ID")')
    partial.replace(path)
    return path


def datasette(sizes: Sizes, tmp: Path) -> Served:
    """``datasette serve --immutable`` (its fast read-only mode) without facet suggestions (a
    dozen extra queries per table page that an API client does not read), its own uvicorn."""
    bin_dir = peer_python("datasette").parent
    argv = [str(bin_dir / "datasette"), "serve", "--immutable", str(datasette_db(sizes)),
            "--host", "127.0.0.1", "--port", "0",
            "--setting", "sql_time_limit_ms", "20000",
            "--setting", "suggest_facets", "off"]  # fmt: skip
    return Served(argv, dict(os.environ), tmp / "datasette.log", tmp)


def datasette_comparisons(ours_url: str, peer_url: str, sizes: Sizes) -> list[Comparison]:
    db = datasette_db(sizes).stem
    page = f"/{db}/facilities.json"
    ids = [f"K{n:07d}" for n in np.random.default_rng(SEED).integers(1, sizes.rows, 15)]
    rows = f"/api/v1/datasets/{ROWS_ID}/rows"
    filters = [("名称_カナ", kana) for kana in KANA] + [("ID", i) for i in ids]
    return [
        Comparison(
            "rows: equality filter, page of 100",
            Side(
                "ours",
                ours_url,
                [query(rows, **{k: v}, limit=100) for k, v in filters],
                rows_answer,
            ),
            Side(
                "datasette",
                peer_url,
                [query(page, **{k: v}, _size=100, _shape="objects") for k, v in filters],
                datasette_answer,
            ),
            2.0,
        ),
        Comparison(
            "rows: substring search, page of 100",
            Side("ours", ours_url, [query(rows, q=t, limit=100) for t in TERMS], rows_answer),
            Side(
                "datasette",
                peer_url,
                [query(page, **{"名称__contains": t}, _size=100, _shape="objects") for t in TERMS],
                datasette_answer,
            ),
            2.0,
        ),
    ]


# -- CKAN ---------------------------------------------------------------------------------------


def ckan_env() -> tuple[str, str]:
    """(URL, token) of ``../shared/ckan-local`` (its env file); started with ``up.sh`` when
    it is not answering (idempotent, reuses a running one)."""
    env_file = Path("/tmp/ckan-local/env")  # noqa: S108 - where ckan-local's up.sh writes it
    up = ROOT.parent / "shared" / "ckan-local" / "up.sh"
    if not _ckan_answers(env_file) and up.exists():
        subprocess.run(["bash", str(up)], capture_output=True, check=False, timeout=600)
    values = dict(
        line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line
    ) if env_file.exists() else {}  # fmt: skip
    url = values.get("CKAN_URL", "")
    if not url or not _ckan_answers(env_file):
        raise RuntimeError(
            "the CKAN of ../shared/ckan-local does not answer (bash ../shared/ckan-local/up.sh)"
        )
    token = Path(values["CKAN_API_TOKEN_FILE"]).read_text().strip()
    return url, token


def _ckan_answers(env_file: Path) -> bool:
    if not env_file.exists():
        return False
    url = next((line.split("=", 1)[1] for line in env_file.read_text().splitlines()
                if line.startswith("CKAN_URL=")), "")  # fmt: skip
    client = Client(url)
    try:
        client.get("/api/3/action/status_show")
    except (RequestFailed, ValueError):
        return False
    finally:
        client.close()
    return True


def seed_ckan(url: str, token: str, sizes: Sizes) -> None:
    """Publish the same datasets into CKAN through our CKAN catalogue (skipped when there)."""
    from tsunagu.catalogue.ckan import CkanCatalogue

    search = query("/api/3/action/package_search", fq=f"organization:{ORGANISATION}", rows=0)
    client = Client(url)
    count = package_search_answer(client.get(search))[0]
    client.close()
    if count == sizes.datasets:
        return
    catalogue = CkanCatalogue(url, token, cache_dir=_folder() / "ckan-files")
    for request in catalogue_requests(sizes.datasets):
        catalogue.publish(request)


def ckan_comparisons(ours_url: str, ckan_url: str, sizes: Sizes) -> list[Comparison]:
    fq = f"organization:{ORGANISATION}"
    path = "/api/3/action/package_search"
    searches: list[dict[str, Any]] = [{"fq": fq, "rows": 20, "sort": "name asc"}]
    searches += [{"q": f"tags:{tag}", "fq": fq, "rows": 20, "sort": "name asc"} for tag in TAGS]
    searches += [
        {"fq": fq, "rows": 20, "start": 40, "sort": "name desc"},
        {"q": "name:peers-00007", "fq": fq},
    ]
    shows = [
        query("/api/3/action/package_show", id=f"peers-{n:05d}")
        for n in range(0, sizes.datasets, max(1, sizes.datasets // 20))
    ]
    ckan = ckan_url.rstrip("/")
    return [
        Comparison(
            "CKAN package_search",
            Side("ours", ours_url, [query(path, **s) for s in searches], package_search_answer),
            Side("ckan", ckan, [query(path, **s) for s in searches], package_search_answer),
            2.0,
        ),
        Comparison(
            "CKAN package_show",
            Side("ours", ours_url, shows, package_show_answer),
            Side("ckan", ckan, shows, package_show_answer),
            2.0,
        ),
    ]


# -- all servers --------------------------------------------------------------------------------

WORKS = {
    "pygeoapi": ["OGC items, bbox (≈300×200 m view)"],
    "datasette": ["rows: equality filter, page of 100", "rows: substring search, page of 100"],
    "ckan": ["CKAN package_search", "CKAN package_show"],
}
TARGETS = {"pygeoapi": 5.0, "datasette": 2.0, "ckan": 2.0}


class Servers:
    """Starts ours and the chosen peers (``with``), and stops every one it started."""

    def __init__(self, sizes: Sizes, chosen: list[str]) -> None:
        self.sizes = sizes
        self.chosen = chosen
        self._stack = ExitStack()
        self.ours: Served | None = None
        self.failed: dict[str, str] = {}

    def __enter__(self) -> Servers:
        self.tmp = Path(
            self._stack.enter_context(tempfile.TemporaryDirectory(prefix="tsunagu-peers-"))
        )
        try:
            self.ours = self._stack.enter_context(
                ours(our_data_dir(self.sizes), self.tmp / "ours.log")
            )
        except Exception as exc:  # every row still prints, as "not met"
            self.failed = dict.fromkeys(PEERS, f"our server did not start: {exc}")
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def comparisons(self, name: str) -> list[Comparison | Row]:
        """The comparisons of one peer, or its rows as "not met" when it cannot be had."""
        try:
            if name in self.failed:
                raise RuntimeError(self.failed[name])
            assert self.ours is not None
            return self._start(name, self.ours.url)
        except Exception as exc:  # a peer that fails is a row, never a traceback
            reason = f"{name} unavailable: {str(exc).strip()[:300]}"
            return [unavailable(work, name, TARGETS[name], reason) for work in WORKS[name]]

    def _start(self, name: str, ours_url: str) -> list[Comparison | Row]:
        if name == "pygeoapi":
            provider = pygeoapi_provider()
            peer = self._stack.enter_context(pygeoapi(self.sizes, self.tmp, provider))
            return [ogc_comparison(ours_url, peer.url, provider)]
        if name == "datasette":
            peer = self._stack.enter_context(datasette(self.sizes, self.tmp))
            return list(datasette_comparisons(ours_url, peer.url, self.sizes))
        url, token = ckan_env()
        seed_ckan(url, token, self.sizes)
        return list(ckan_comparisons(ours_url, url, self.sizes))


def pygeoapi_provider() -> str:
    """pygeoapi's fastest feature provider that runs here: ``Parquet`` (GeoParquet with a bbox
    covering, filtered by pyarrow) when it imports; else ``GeoJSON`` (parses the whole file on
    every request). Not SQLiteGPKG (needs mod_spatialite, not installed) nor PostgreSQL (needs
    PostGIS), nor OGR (needs GDAL's Python bindings built against the system GDAL)."""
    python = peer_python("pygeoapi")
    found = subprocess.run([str(python), "-c", "import pygeoapi.provider.parquet"],
                           capture_output=True, check=False)  # fmt: skip
    return "Parquet" if found.returncode == 0 else "GeoJSON"
