"""Does counting use slow requests down? The served API rate with counting on vs off.

``gunicorn -c gunicorn.conf.py tsunagu.wsgi:app`` (the shipped configuration) serves a small
published dataset twice — ``TSUNAGU_USAGE_COUNTING=off`` and ``on`` — and ``wrk`` (Debian
package; the bounded Python threads client of :mod:`bench.api` without it) requests the
dataset's metadata API (``/api/v1/datasets/<id>``, which counting counts), the cheapest counted
route, so the counting hook is the largest possible share of each request: the worst case. The
two servers are measured alternately (off, on, off, on, …; ``RUNS`` each after a warm-up), so
drift of the shared machine hits both alike; the medians are compared.

Target: the median rate with counting on is at least 95 % of the rate with counting off.
``python -m bench.usage [--quick]`` prints both rates, the ratio and met / not met.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import Case
from bench.api import Load, run_load

ROOT = Path(__file__).resolve().parent.parent
DATASET = "bench-usage"
PATH = f"/api/v1/datasets/{DATASET}"
RUNS, QUICK_RUNS = 5, 1
DURATION, QUICK_DURATION = 5, 1
WARMUP = 5
TARGET_RATIO = 0.95
START_TIMEOUT = 60


def publish_into(data_dir: Path) -> None:
    import hashlib

    from tsunagu.catalogue.base import DatasetMeta, PublishRequest, ResourceFile
    from tsunagu.catalogue.local import LocalCatalogue
    from tsunagu.config import load_settings

    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir.parent / "facilities.csv"
    path.write_text("ID,名称\r\n" + "".join(f"{i},施設{i}\r\n" for i in range(100)), "utf-8")
    data = path.read_bytes()
    csv_file = ResourceFile(
        "csv", path, path.name, "CSV", "text/csv", hashlib.sha256(data).hexdigest(), len(data)
    )
    meta = DatasetMeta(
        DATASET, "ベンチ施設", "Bench facilities", "", "", "bench", "ベンチ", "Bench",
        "public-facilities", "公共施設一覧", "CC-BY-4.0", "yearly",
    )  # fmt: skip
    catalogue = LocalCatalogue.from_settings(load_settings({"data_dir": data_dir}, env={}))
    catalogue.publish(PublishRequest(meta, (csv_file,)))
    catalogue.engine.dispose()


class Server:
    """The shipped gunicorn configuration with counting ``on`` or ``off``."""

    def __init__(self, data_dir: Path, log: Path, counting: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TSUNAGU_", "GUNICORN_"))}
        env |= {
            "TSUNAGU_DATA_DIR": str(data_dir),
            "TSUNAGU_API_RATE": "1000000/second",
            "TSUNAGU_USAGE_COUNTING": counting,
            "GUNICORN_BIND": "127.0.0.1:0",
        }
        self.log = log
        self._sink = log.open("wb")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "-c", "gunicorn.conf.py",
             "--access-logfile", "/dev/null", "tsunagu.wsgi:app"],
            cwd=ROOT, env=env, stdout=self._sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{self._port()}"

    def _port(self) -> int:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and self.process.poll() is None:
            text = self.log.read_text(encoding="utf-8", errors="replace")
            found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", text)
            if found and "Booting worker" in text:
                return int(found[1])
            time.sleep(0.1)
        self.stop()
        raise SystemExit(f"gunicorn did not start:\n{self.log.read_text(errors='replace')}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._sink.close()


def counted(data_dir: Path) -> int:
    """Requests the counting server wrote to the catalogue database (proof it counted)."""
    from tsunagu.catalogue.usage import UsageStore
    from tsunagu.config import load_settings

    store = UsageStore.from_url(load_settings({"data_dir": data_dir}, env={}).database)
    total = sum(r.count for r in store.rows() if r.dataset_id == DATASET)
    store.engine.dispose()
    return total


def measure(quick: bool = False) -> tuple[list[Load], list[Load], int]:
    """(loads with counting off, loads with counting on, requests counted)."""
    runs, duration = (QUICK_RUNS, QUICK_DURATION) if quick else (RUNS, DURATION)
    with tempfile.TemporaryDirectory(prefix="tsunagu-bench-usage-") as tmp:
        off_dir, on_dir = Path(tmp) / "off", Path(tmp) / "on"
        publish_into(off_dir)
        publish_into(on_dir)
        servers = {
            "off": Server(off_dir, Path(tmp) / "off.log", "off"),
            "on": Server(on_dir, Path(tmp) / "on.log", "on"),
        }
        loads: dict[str, list[Load]] = {"off": [], "on": []}
        try:
            for server in servers.values():
                run_load(server.url, QUICK_DURATION if quick else WARMUP, Path(tmp), [PATH])
            for _ in range(runs):
                for name, server in servers.items():
                    loads[name].append(run_load(server.url, duration, Path(tmp), [PATH]))
        finally:
            for server in servers.values():
                server.stop()  # the counting workers flush on exit
        return loads["off"], loads["on"], counted(on_dir)


def _median(loads: list[Load]) -> float:
    return statistics.median(load.rate for load in loads)


def summary(quick: bool = False) -> tuple[str, bool]:
    off, on, total = measure(quick)
    rate_off, rate_on = _median(off), _median(on)
    ratio = rate_on / rate_off
    errors = sum(load.errors for load in off + on)
    met = ratio >= TARGET_RATIO and errors == 0 and total > 0
    text = (
        f"{PATH} via gunicorn ({on[0].tool}), median of {len(on)} alternating runs: "
        f"counting off {rate_off:,.0f} req/s, on {rate_on:,.0f} req/s, ratio {ratio:.3f} "
        f"(target ≥ {TARGET_RATIO}); {errors} errors; {total:,} requests counted; "
        f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}"
    )
    return text, met


def run_served(size: int) -> str:
    """A case of the shared ``python -m bench`` table; fails with the figures when missed."""
    text, met = summary(quick=size < 2)
    if size >= 2 and not met:
        raise SystemExit(f"counting overhead NOT MET: {text}")
    return text


def cases(quick: bool) -> list[Case]:
    return [Case("API rate, counting on vs off", 1 if quick else 2, "bench.usage:run_served")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.usage", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="one short run each, no target")
    args = parser.parse_args(argv)
    text, met = summary(args.quick)
    verdict = "n/a (quick)" if args.quick else ("met" if met else "NOT MET")
    print(f"{text}: {verdict}", flush=True)
    return 0 if args.quick or met else 1


if __name__ == "__main__":
    sys.exit(main())
