"""``bench.peers``' own logic on two tiny loopback servers (the peers themselves never run in
``make test``): answers compared before any timing, passes alternating, every row printed."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.peers import Comparison, Side, compare, rows_answer, unavailable


class Fake:
    """A loopback server answering the rows API's shape; every request is logged."""

    def __init__(self, name: str, log: list[str], ids: list[str], delay: float = 0.0) -> None:
        self.name, self.log, self.ids, self.delay, self.status = name, log, ids, delay, 200
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                fake.log.append(fake.name)
                time.sleep(fake.delay)
                body = json.dumps({"total": len(fake.ids), "rows": [{"ID": i} for i in fake.ids]})
                data = body.encode()
                self.send_response(fake.status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def side(self, queries: int = 2) -> Side:
        return Side(self.name, self.url, [f"/rows?n={n}" for n in range(queries)], rows_answer)


@pytest.fixture
def servers() -> Iterator[tuple[Fake, Fake, list[str]]]:
    log: list[str] = []
    ours, theirs = Fake("ours", log, ["K1", "K2"]), Fake("peer", log, ["K1", "K2"], delay=0.25)
    yield ours, theirs, log
    for fake in (ours, theirs):
        fake.server.shutdown()
        fake.server.server_close()


def test_same_answers_are_timed_alternating_and_the_ratio_meets_the_target(servers):
    ours, theirs, log = servers
    row = compare(Comparison("page", ours.side(), theirs.side(), 2.0), runs=3)
    # two queries each: the answers once per side, then ours, peer, ours, peer, ours, peer
    assert log == ["ours"] * 2 + ["peer"] * 2 + (["ours"] * 2 + ["peer"] * 2) * 3
    assert row.met, row.missed
    assert row.ratio is not None and row.ratio >= 2.0
    line = row.line()
    assert line.endswith("met") and "≥2×" in line and row.load in line


def test_a_faster_wrong_answer_is_not_met_and_not_timed(servers):
    ours, theirs, log = servers
    ours.ids = ["K1"]
    row = compare(Comparison("page", ours.side(), theirs.side(), 2.0), runs=3)
    assert not row.met and row.ours_s is None
    assert "not met: answers differ at /rows?n=0: ours 1 matches ['K1']" in row.line()
    assert len(log) == 4  # the answers only: nothing was timed


def test_a_missed_ratio_prints_the_figure(servers):
    ours, theirs, _ = servers
    ours.delay = theirs.delay = 0.0
    row = compare(Comparison("page", ours.side(), theirs.side(), 1000.0), runs=3)
    assert not row.met and row.ours_s is not None and row.theirs_s is not None
    assert row.missed[0].endswith("< 1000×")


def test_a_failing_peer_is_a_not_met_row(servers):
    ours, theirs, _ = servers
    theirs.status = 500
    row = compare(Comparison("page", ours.side(), theirs.side(), 2.0), runs=3)
    assert "not met: request failed: /rows?n=0 answered 500" in row.line()


def test_an_unavailable_peer_still_prints_its_row():
    row = unavailable("CKAN package_search", "ckan", 2.0, "ckan unavailable: does not answer")
    assert not row.met
    assert row.line().startswith("CKAN package_search")
    assert row.line().endswith("not met: ckan unavailable: does not answer")


def test_an_answer_of_the_wrong_shape_is_a_failed_request_not_a_traceback(servers):
    ours, theirs, _ = servers
    wrong = Side("peer", theirs.url, ["/rows?n=0"], lambda body: (0, [json.loads(body)["nope"]]))
    row = compare(Comparison("page", ours.side(1), wrong, 2.0), runs=3)
    assert "not met: request failed: /rows?n=0: unexpected answer (KeyError('nope'))" in row.line()


def test_a_peer_that_cannot_be_had_prints_each_of_its_rows_as_not_met():
    from bench.peers_setup import Servers, Sizes

    servers = Servers(Sizes(), ["ckan"])
    servers.failed = {"ckan": "our server did not start: port in use"}
    rows = servers.comparisons("ckan")
    assert [row.work for row in rows] == ["CKAN package_search", "CKAN package_show"]
    assert all(row.line().endswith("ckan unavailable: our server did not start: port in use")
               for row in rows)  # fmt: skip


def test_the_exit_status_says_whether_every_target_was_met(servers, monkeypatch, capsys):
    import bench.peers as peers
    import bench.peers_setup as setup

    ours, theirs, _ = servers
    targets = {"datasette": 2.0, "ckan": 1000.0}  # the second cannot be met

    class Started:
        def __init__(self, sizes: object, chosen: list[str]) -> None:
            pass

        def __enter__(self) -> Started:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def comparisons(self, name: str) -> list[Comparison]:
            return [Comparison(name, ours.side(1), theirs.side(1), targets[name])]

    monkeypatch.setattr(setup, "Servers", Started)
    assert peers.main(["datasette"]) == 0
    assert peers.main(["datasette", "ckan"]) == 1
    out = capsys.readouterr().out
    assert "1 of 2 targets met" in out and "not met: " in out
