"""``make bench-peers`` = ``python -m bench.peers``: the same work, served by Tsunagu and by the
tools a municipality would otherwise run, side by side on the same data (issue 17).

- OGC API Features ``items`` with ``bbox``: ours ``/ogc/collections/<id>/items`` against
  pygeoapi with its fastest provider here (:func:`bench.peers_setup.pygeoapi_provider`) under
  gunicorn with 2 sync workers, as ours. Target ≥ 5×.
- an equality-filtered page: ours ``/api/v1/datasets/<id>/rows?<field>=<value>`` against
  Datasette on SQLite with that field indexed. Target ≥ 2×.
- a substring search: ours ``rows?q=<term>`` against Datasette ``<field>__contains=<term>``.
  Target ≥ 2×.
- ``package_search`` and ``package_show``: ours ``/api/3/action/…`` against the real CKAN 2.12
  of ``../shared/ckan-local``. Target ≥ 2×.

Ours is ``gunicorn -c gunicorn.conf.py tsunagu.wsgi:app``, as deployed.

How it measures: the peers live in their own virtual environments under ``build/peers/``
(installed on first use by pip). Every server is started once and warmed up. Then, per work:
**the answers are compared first** (per query: the count of matches and the ids returned, the
same on both sides, or the row is "not met: answers differ" and nothing is timed: a faster
wrong answer is no result); then one *pass* (every query of the work once, in order, over one
keep-alive HTTP connection from this process) is timed, alternating ours, theirs, ours, … for
``--runs`` (≥ 3) passes each; the medians and their ratio (theirs ÷ ours) are printed with the
1-minute load average beside the row. A peer that cannot be installed or started, a failed
request or a missed target is a "not met" row; every row is printed; the exit status is 0 only
when every target was met.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

#: (count of matches, ids in the order given): what "the same answer" means here.
Answer = tuple[int, list[str]]
Reader = Callable[[bytes], Answer]
REQUEST_TIMEOUT = 120


class RequestFailed(Exception):
    """A request of a pass did not answer 200: the row is "not met" with this message."""


@dataclass(frozen=True)
class Side:
    """One server and the request paths that ask it the comparison's questions."""

    label: str
    url: str  # http://127.0.0.1:PORT (loopback only)
    paths: Sequence[str]
    read: Reader  # response body → Answer
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Comparison:
    work: str
    ours: Side
    theirs: Side
    min_ratio: float


@dataclass(frozen=True)
class Row:
    work: str
    peer: str
    queries: int
    ours_s: float | None
    theirs_s: float | None
    load: str
    target: float
    missed: list[str]

    @property
    def ratio(self) -> float | None:
        if self.ours_s and self.theirs_s:
            return self.theirs_s / self.ours_s
        return None

    @property
    def met(self) -> bool:
        return not self.missed

    def line(self) -> str:
        def ms(seconds: float | None) -> str:
            return f"{seconds / self.queries * 1000:.1f}" if seconds is not None else "-"

        ratio = f"{self.ratio:.1f}x" if self.ratio else "-"
        result = "met" if self.met else "not met: " + "; ".join(self.missed)
        return (
            f"{self.work:<34} {self.peer:<12} {self.queries:>5} {ms(self.ours_s):>8} "
            f"{ms(self.theirs_s):>9} {ratio:>7} {self.load:>5}  ≥{self.target:g}×{'':<4} {result}"
        )


HEADER = (
    f"{'work':<34} {'peer':<12} {'reqs':>5} {'ours ms':>8} {'peer ms':>9} {'ratio':>7} "
    f"{'load':>5}  {'target':<7} result"
)


def load_average() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


class Client:
    """One keep-alive HTTP connection to a loopback server (what a script or a proxy holds)."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.headers = headers or {}
        self.conn: http.client.HTTPConnection | None = None

    def get(self, path: str) -> bytes:
        for attempt in (1, 2):  # a server may close an idle keep-alive connection: reopen once
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, REQUEST_TIMEOUT)
            try:
                self.conn.request("GET", path, headers=self.headers)
                response = self.conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                if attempt == 2:
                    raise RequestFailed(f"{path[:80]}: {exc!r}") from exc
                continue
            if response.will_close:
                self.close()
            if response.status != 200:
                raise RequestFailed(f"{path[:80]} answered {response.status}: {body[:120]!r}")
            return body
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def timed_pass(side: Side) -> float:
    """Every path of the side once, in order, over one connection; wall seconds."""
    client = Client(side.url, side.headers)
    try:
        start = time.perf_counter()
        for path in side.paths:
            client.get(path)
        return time.perf_counter() - start
    finally:
        client.close()


def answers(side: Side) -> list[Answer]:
    """Each query's answer; a body that is not the API's shape is a failed request, not a
    traceback (the table goes on)."""
    client = Client(side.url, side.headers)
    found = []
    try:
        for path in side.paths:
            body = client.get(path)
            try:
                found.append(side.read(body))
            except (ValueError, KeyError, TypeError, IndexError) as exc:
                message = f"{path[:80]}: unexpected answer ({exc!r}): {body[:120]!r}"
                raise RequestFailed(message) from exc
        return found
    finally:
        client.close()


def differences(ours: list[Answer], theirs: list[Answer], paths: Sequence[str]) -> list[str]:
    """The first query whose answers differ, described (empty: all the same)."""
    for i, (mine, other) in enumerate(zip(ours, theirs, strict=True)):
        if mine != other:
            return [
                f"answers differ at {urllib.parse.unquote(paths[i])[:70]}: ours {mine[0]} "
                f"matches {mine[1][:3]}…, peer {other[0]} matches {other[1][:3]}…"
            ]
    return []


def compare(comparison: Comparison, runs: int) -> Row:
    """Check the answers, then time alternating passes; never raises for a failed side."""
    ours, theirs = comparison.ours, comparison.theirs
    row: dict[str, Any] = {"work": comparison.work, "peer": theirs.label,
                           "queries": len(ours.paths), "target": comparison.min_ratio}  # fmt: skip
    try:
        missed = differences(answers(ours), answers(theirs), ours.paths)
    except RequestFailed as exc:
        missed = [f"request failed: {exc}"]
    if missed:
        return Row(ours_s=None, theirs_s=None, load=load_average(), missed=missed, **row)
    mine: list[float] = []
    other: list[float] = []
    try:
        for _ in range(runs):
            mine.append(timed_pass(ours))
            other.append(timed_pass(theirs))
    except RequestFailed as exc:
        missed = [f"request failed: {exc}"]
    ours_s = statistics.median(mine) if len(mine) == runs else None
    theirs_s = statistics.median(other) if len(other) == runs else None
    result = Row(ours_s=ours_s, theirs_s=theirs_s, load=load_average(), missed=missed, **row)
    if not missed and (result.ratio is None or result.ratio < comparison.min_ratio):
        shown = "-" if result.ratio is None else f"{result.ratio:.1f}×"
        missed.append(f"{shown} < {comparison.min_ratio:g}×")
    return result


def unavailable(work: str, peer: str, target: float, reason: str) -> Row:
    """The row of a comparison whose peer (or our server) could not be had."""
    return Row(work, peer, 0, None, None, load_average(), target, [reason])


# -- answers, per API ---------------------------------------------------------------------------


def ogc_answer(body: bytes) -> Answer:
    """OGC API Features items: ``numberMatched`` and the facilities' ``ID`` (as a set: no order
    is asked for, and the views are small enough that every match is on the page). The ``ID``
    property, not the feature ``id``: pygeoapi's Parquet provider numbers features by row."""
    doc = json.loads(body)
    ids = sorted(str(f["properties"].get("ID", f.get("id"))) for f in doc["features"])
    return int(doc.get("numberMatched", len(ids))), ids


def rows_answer(body: bytes) -> Answer:
    doc = json.loads(body)
    return int(doc["total"]), [str(r["ID"]) for r in doc["rows"]]


def datasette_answer(body: bytes) -> Answer:
    doc = json.loads(body)
    rows = doc["rows"]
    if rows and not isinstance(rows[0], dict):
        index = doc["columns"].index("ID")
        rows = [{"ID": r[index]} for r in rows]
    count = doc.get("filtered_table_rows_count", doc.get("count"))
    return int(count), [str(r["ID"]) for r in rows]


def package_search_answer(body: bytes) -> Answer:
    result = json.loads(body)["result"]
    return int(result["count"]), [r["name"] for r in result["results"]]


def package_show_answer(body: bytes) -> Answer:
    result = json.loads(body)["result"]
    resources = sorted(r["name"] for r in result["resources"])
    return len(resources), [result["name"], result["title"], *resources]


def query(path: str, **params: Any) -> str:
    return f"{path}?{urllib.parse.urlencode(params)}"


# -- the run ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    from bench import peers_setup as setup

    parser = argparse.ArgumentParser(
        prog="python -m bench.peers", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "peers", nargs="*", metavar="PEER", help="pygeoapi, datasette, ckan (default: all)"
    )
    parser.add_argument("--runs", type=int, default=3, help="timed passes per side (≥ 3)")
    parser.add_argument("--points", type=int, default=setup.POINTS, help="points of the OGC layer")
    parser.add_argument("--rows", type=int, default=setup.ROWS, help="rows of the Datasette table")
    args = parser.parse_args(argv)  # fmt: skip
    if args.runs < 3:
        parser.error("--runs must be at least 3")
    chosen = args.peers or list(setup.PEERS)
    unknown = sorted(set(chosen) - set(setup.PEERS))
    if unknown:
        parser.error(f"unknown peer {', '.join(unknown)}; known: {', '.join(setup.PEERS)}")
    sizes = setup.Sizes(points=args.points, rows=args.rows)
    print(f"Tsunagu against its peers: median of {args.runs} alternating passes; "
          f"{sizes.describe()}\n{HEADER}", flush=True)  # fmt: skip
    rows = []
    with setup.Servers(sizes, chosen) as servers:
        for name in chosen:
            for comparison in servers.comparisons(name):
                row = comparison if isinstance(comparison, Row) else compare(comparison, args.runs)
                print(row.line(), flush=True)
                rows.append(row)
    met = sum(row.met for row in rows)
    print(f"{met} of {len(rows)} targets met; load average now {load_average()}")
    return 0 if rows and met == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
