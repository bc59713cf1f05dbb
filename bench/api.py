"""Developer API speed: bbox queries through the feature store, and the served features endpoint.

Input: 100k facility points inside Kashiwa (seeded, :mod:`bench.generate`), converted by the
publisher's GeoJSON writer to RFC 7946 GeoJSON and published into a temporary LocalCatalogue.

1. **Store** (in process): the layer is loaded first (not timed), then ≥ 1000 random map views
   (``QUERIES``) are queried as the map viewer asks — a 1280×800 px view at zoom 12–16 centred
   inside Kashiwa, ``zoom`` given so crowded views come back as grid cells, the API's default
   page. Target: p95 ≤ 20 ms.
2. **Served**: ``gunicorn -c gunicorn.conf.py tsunagu.wsgi:app`` on 127.0.0.1 (ephemeral port,
   the conf's default worker model; its master loads the layer before forking) and ``wrk``
   (Debian package) replaying 1000 such views over ``CONNECTIONS`` keep-alive connections,
   ``RUNS`` times for ``DURATION`` s after a warm-up; the median run is reported. Without
   ``wrk``, a bounded Python threads client does the same (and says so; it saturates before the
   server does, so its figure is a floor). Target: ≥ 500 req/s. The API rate limit is lifted
   for this run only (``TSUNAGU_API_RATE``).
3. **Ceiling**: the same server and load on a trivial API route (``CEILING_PATH``, a tiny JSON
   through the same Flask hooks), so a missed target can be told apart from a machine that
   cannot serve that many requests at all (loaded, or wrk sharing the two cores).

``python -m bench.api [--quick]`` prints p50/p95/p99, req/s and errors with met / not met (exit
status 1 when a target is missed). Under ``python -m bench api`` the same work runs as two cases
of the shared table (total seconds and peak MB); a missed percentile or rate target makes the
case fail with the figures, so it cannot pass silently.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench import Case, Target, generate, stop_server
from bench.generate import KASHIWA_BBOX

ROOT = Path(__file__).resolve().parent.parent
SIZE, QUICK_SIZE = 100_000, 2_000
QUERIES = 1000
DURATION, QUICK_DURATION = 10, 2  # seconds of load (≤ 20)
WARMUP = 15  # seconds of load before measuring (connections, caches; layers are preloaded)
RUNS = 3  # measured runs; the median (by rate) is reported
CEILING_PATH = "/api/3/action/status_show"
CONNECTIONS = 16
P95_TARGET_MS = 20.0
RATE_TARGET = 500.0
DATASET = "bench-points"
SEED = 20261124
START_TIMEOUT = 60


@dataclass(frozen=True)
class Latency:
    p50: float
    p95: float
    p99: float  # milliseconds

    @classmethod
    def of(cls, seconds: list[float]) -> Latency:
        ms = np.asarray(seconds) * 1000
        return cls(*(float(np.percentile(ms, p)) for p in (50, 95, 99)))

    def describe(self) -> str:
        return f"p50 {self.p50:.1f} ms, p95 {self.p95:.1f} ms, p99 {self.p99:.1f} ms"


def points_geojson(size: int) -> Path:
    """The seeded points as published GeoJSON (the publisher's writer; built once, then reused)."""
    return generate.points_geojson(size)


def prepare(size: int) -> None:
    points_geojson(size)


def views(count: int = QUERIES, seed: int = SEED) -> list[tuple[tuple[float, ...], int]]:
    """``count`` map views: (bbox, zoom) of a 1280×800 px window centred inside Kashiwa."""
    rng = np.random.default_rng(seed)
    west, south, east, north = KASHIWA_BBOX
    out = []
    for _ in range(count):
        zoom = int(rng.integers(12, 17))
        half_w = 640 * 360 / (256 * 2**zoom)
        half_h = 400 * 360 / (256 * 2**zoom) * 0.81  # cos(35.9°): degrees of latitude are longer
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        box = (lon - half_w, lat - half_h, lon + half_w, lat + half_h)
        out.append((tuple(round(v, 6) for v in box), zoom))
    return out


def measure_store(size: int) -> Latency:
    from tsunagu.services.features import FeatureQuery, FeatureStore

    path = points_geojson(size)
    store = FeatureStore(lambda _id: (path, "bench"))
    store.layer(DATASET)  # load and index once, outside the clock
    timings = []
    for box, zoom in views():
        start = time.perf_counter()
        store.query(DATASET, FeatureQuery(bbox=box, zoom=zoom))  # type: ignore[arg-type]
        timings.append(time.perf_counter() - start)
    return Latency.of(timings)


def publish_into(data_dir: Path, size: int) -> None:
    """Publish the points as a dataset of a fresh LocalCatalogue under ``data_dir``."""
    from tsunagu.catalogue.base import DatasetMeta, PublishRequest, ResourceFile
    from tsunagu.catalogue.local import LocalCatalogue
    from tsunagu.config import load_settings

    path = points_geojson(size)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    geojson = ResourceFile(
        "geojson", path, "points.geojson", "GeoJSON", "application/geo+json", digest,
        path.stat().st_size,
    )  # fmt: skip
    meta = DatasetMeta(
        DATASET, "ベンチマーク施設", "Benchmark facilities", "", "", "bench", "ベンチ", "Bench",
        "aed-installations", "AED設置箇所一覧", "CC-BY-4.0", "yearly",
    )  # fmt: skip
    catalogue = LocalCatalogue.from_settings(load_settings({"data_dir": data_dir}, env={}))
    catalogue.publish(PublishRequest(meta, (geojson,)))
    catalogue.engine.dispose()


def paths() -> list[str]:
    base = f"/api/v1/datasets/{DATASET}/features"
    return [f"{base}?bbox={','.join(map(str, box))}&zoom={zoom}" for box, zoom in views()]


class Gunicorn:
    """``gunicorn -c gunicorn.conf.py tsunagu.wsgi:app`` on an ephemeral loopback port."""

    def __init__(self, data_dir: Path, log: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TSUNAGU_", "GUNICORN_"))}
        env |= {
            "TSUNAGU_DATA_DIR": str(data_dir),
            "TSUNAGU_API_RATE": "1000000/second",
            "GUNICORN_BIND": "127.0.0.1:0",
        }
        self.log = log
        self._sink = log.open("wb")
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [str(gunicorn), "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null",
             "tsunagu.wsgi:app"],
            cwd=ROOT, env=env, stdout=self._sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{self._port()}"

    def _port(self) -> int:
        """The bound port, once a worker is up (the master loads the layers before forking)."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and self.process.poll() is None:
            found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", self._text())
            if found and "Booting worker" in self._text():
                return int(found[1])
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not start:\n{self._text()[-3000:]}")

    def _text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        stop_server(self.process)
        self._sink.close()


@dataclass(frozen=True)
class Load:
    tool: str
    requests: int
    seconds: float
    errors: int
    latency: Latency

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def measure_served(size: int, duration: int, runs: int = RUNS) -> tuple[Load, Load]:
    """(median of ``runs`` loads on the features views, the trivial route's ceiling)."""
    with tempfile.TemporaryDirectory(prefix="tsunagu-bench-api-") as tmp:
        data_dir = Path(tmp) / "instance"
        publish_into(data_dir, size)
        server = Gunicorn(data_dir, Path(tmp) / "gunicorn.log")
        try:
            warmup = WARMUP if size >= SIZE else QUICK_DURATION
            run_load(server.url, warmup, Path(tmp), timeout=30)
            loads = sorted(
                (run_load(server.url, duration, Path(tmp)) for _ in range(runs)),
                key=lambda load: load.rate,
            )
            ceiling = run_load(server.url, duration, Path(tmp), [CEILING_PATH])
            return loads[len(loads) // 2], ceiling
        finally:
            server.stop()


_WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%%d,"us":%%d,"errors":%%d,"p50":%%d,"p95":%%d,"p99":%%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout + e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def run_load(
    url: str, duration: int, tmp: Path, targets: list[str] | None = None, timeout: int = 5
) -> Load:
    """``wrk`` when installed, else the bounded threads client; either way loopback only."""
    targets = targets or paths()
    wrk = shutil.which("wrk")
    if wrk is None:
        return threads_load(url, duration, targets, timeout)
    script = tmp / "views.lua"
    script.write_text(_WRK_SCRIPT % ",".join(json.dumps(p) for p in targets), encoding="utf-8")
    command = [wrk, "-t2", f"-c{CONNECTIONS}", f"-d{duration}s", "--timeout", f"{timeout}s", "-s",
               str(script), url]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + timeout + 30, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    got = json.loads(lines[-1])
    latency = Latency(got["p50"] / 1000, got["p95"] / 1000, got["p99"] / 1000)
    return Load("wrk", got["requests"], got["us"] / 1e6, got["errors"], latency)


def threads_load(url: str, duration: int, targets: list[str], timeout: int = 5) -> Load:
    """Fallback load generator: ``CONNECTIONS`` threads, each one keep-alive connection."""
    host, port = url.removeprefix("http://").split(":")
    timings: list[float] = []
    errors = [0]
    deadline = time.monotonic() + duration
    lock = threading.Lock()

    def worker(first: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
        mine, bad = [], 0
        i = first
        while time.monotonic() < deadline:
            start = time.perf_counter()
            try:
                conn.request("GET", targets[i % len(targets)])
                response = conn.getresponse()
                response.read()
                bad += response.status != 200
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
            mine.append(time.perf_counter() - start)
            i += 1
        conn.close()
        with lock:
            timings.extend(mine)
            errors[0] += bad

    started = time.monotonic()
    pool = [threading.Thread(target=worker, args=(k * 61,)) for k in range(CONNECTIONS)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=duration + 10)
    seconds = time.monotonic() - started
    return Load("python threads", len(timings), seconds, errors[0], Latency.of(timings or [0.0]))


def report(quick: bool = False) -> bool:
    """Run both measurements, print the figures and met / not met; True when all are met."""
    size = QUICK_SIZE if quick else SIZE
    prepare(size)
    store = measure_store(size)
    store_met = store.p95 <= P95_TARGET_MS
    print(f"feature store, {size:,} points, {QUERIES} views: {store.describe()}  "
          f"target p95 ≤ {P95_TARGET_MS:g} ms: {_verdict(store_met, quick)}")  # fmt: skip
    load, ceiling = measure_served(size, QUICK_DURATION if quick else DURATION)
    served_met = load.rate >= RATE_TARGET and load.errors == 0
    print(f"served (gunicorn, {load.tool}, {CONNECTIONS} connections, median of {RUNS} × "
          f"{load.seconds:.1f} s): {load.rate:,.0f} req/s, {load.requests:,} requests, "
          f"{load.errors} errors, {load.latency.describe()}  target ≥ {RATE_TARGET:g} req/s, "
          f"0 errors: {_verdict(served_met, quick)}", flush=True)  # fmt: skip
    print(f"ceiling ({CEILING_PATH}, same server and load): {ceiling.rate:,.0f} req/s, "
          f"{ceiling.latency.describe()}; load average {_load_average()}", flush=True)  # fmt: skip
    return quick or (store_met and served_met)


def _load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def _verdict(met: bool, quick: bool) -> str:
    return "n/a (quick)" if quick else ("met" if met else "NOT MET")


# -- the shared ``python -m bench`` table ------------------------------------------------------


def run_store(size: int) -> str:
    """A case of the shared table; fails with the figures when the p95 target is missed."""
    latency = measure_store(size)
    if size >= SIZE and latency.p95 > P95_TARGET_MS:
        raise SystemExit(f"feature store NOT MET: {latency.describe()} > {P95_TARGET_MS} ms")
    return f"{QUERIES} views in process: {latency.describe()} (target p95 ≤ {P95_TARGET_MS:g} ms)"


def run_served(size: int) -> str:
    """A case of the shared table; fails with the figures when the rate target is missed."""
    load, ceiling = measure_served(size, DURATION if size >= SIZE else QUICK_DURATION)
    figures = (
        f"{load.rate:,.0f} req/s ({load.tool}, {CONNECTIONS} connections, median of {RUNS}), "
        f"{load.errors} errors, {load.latency.describe()}; trivial route {ceiling.rate:,.0f} "
        f"req/s; load average {_load_average()}"
    )
    if size >= SIZE and (load.rate < RATE_TARGET or load.errors):
        raise SystemExit(f"served NOT MET (target ≥ {RATE_TARGET:g} req/s, 0 errors): {figures}")
    return f"served: {figures} (target ≥ {RATE_TARGET:g} req/s, 0 errors)"


def cases(quick: bool) -> list[Case]:
    size = QUICK_SIZE if quick else SIZE
    return [
        Case(f"bbox ×{QUERIES} (feature store)", size, "bench.api:run_store"),
        Case("features API (gunicorn+load)", size, "bench.api:run_served",
             target=None if quick else Target(max_seconds=(RUNS + 1) * DURATION + WARMUP + 30)),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.api", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="2k points, 2 s of load, no targets")
    args = parser.parse_args(argv)
    return 0 if report(args.quick) else 1


if __name__ == "__main__":
    sys.exit(main())
