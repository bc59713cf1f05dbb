"""A fault-injecting HTTP proxy in front of the real CKAN, on 127.0.0.1 only.

Each request is forwarded with its body to the upstream CKAN unless a :class:`Rule` matches it
(by action name and by how many matching requests came before). Faults: an HTTP error with an
HTML body (what a reverse proxy sends), a delay past the client's timeout, a dropped
connection before forwarding, and "commit then drop" (forward, let CKAN commit, then close the
client socket without replying). Every request is recorded for assertions. The server and its
threads stop with the fixture that started it.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal
from urllib.parse import urlsplit

Fault = Literal["status", "delay", "drop", "commit-drop"]
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}
WRITE_WORDS = ("create", "update", "patch", "delete", "purge")


@dataclass
class Rule:
    """Apply ``fault`` to requests for ``action`` (None = any), after letting ``skip`` matching
    requests through, to the next ``times`` of them (None = all that follow)."""

    fault: Fault
    action: str | None = None
    skip: int = 0
    times: int | None = 1
    status: int = 503
    delay: float = 0.0
    matched: int = 0

    def applies(self, action: str) -> bool:
        """Count the request if it matches; True when the fault is due for it."""
        if self.action is not None and self.action != action:
            return False
        self.matched += 1
        index = self.matched - self.skip
        return index >= 1 and (self.times is None or index <= self.times)


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    action: str
    outcome: str  # HTTP status as text, "dropped", "commit-dropped" or "delayed"

    @property
    def is_write(self) -> bool:
        return any(word in self.action for word in WRITE_WORDS)


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        if parts.hostname not in ("127.0.0.1", "localhost"):
            raise ValueError(f"fault proxy only fronts a loopback CKAN, not {upstream!r}")
        self.upstream_host = parts.hostname
        self.upstream_port = parts.port or 80
        self.rules: list[Rule] = []
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FaultProxy:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def add(self, rule: Rule) -> Rule:
        with self.lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self.lock:
            self.rules.clear()
            self.seen.clear()

    def calls(self, action: str) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if s.action == action]

    def writes(self) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if s.is_write]

    def fault_for(self, action: str) -> Rule | None:
        with self.lock:
            due = [rule for rule in self.rules if rule.applies(action)]
        return due[0] if due else None

    def record(self, method: str, path: str, action: str, outcome: str) -> None:
        with self.lock:
            self.seen.append(Seen(method, path, action, outcome))

    def forward(self, method: str, path: str, headers: dict[str, str], body: bytes):
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=60)
        try:
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            conn.close()


class ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    proxy: FaultProxy  # set on the per-server subclass

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        return

    def do_GET(self) -> None:
        self._proxy()

    def do_POST(self) -> None:
        self._proxy()

    def _proxy(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        action = self.path.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        rule = self.proxy.fault_for(action)
        if rule is not None and self._inject(rule, action, body):
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["Host"] = f"{self.proxy.upstream_host}:{self.proxy.upstream_port}"
        status, response_headers, content = self.proxy.forward(
            self.command, self.path, headers, body
        )
        self.proxy.record(self.command, self.path, action, str(status))
        self.send_response(status)
        for name, value in response_headers:
            if name.lower() not in HOP_BY_HOP | {"content-length"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(content)
        self.close_connection = True

    def _inject(self, rule: Rule, action: str, body: bytes) -> bool:
        """Apply the fault; True when the request is finished (no normal forwarding)."""
        if rule.fault == "status":
            html = f"<html><body><h1>{rule.status} proxy error</h1></body></html>".encode()
            self.proxy.record(self.command, self.path, action, str(rule.status))
            self.send_response(rule.status)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(html)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(html)
            self.close_connection = True
            return True
        if rule.fault == "delay":
            self.proxy.record(self.command, self.path, action, "delayed")
            self.proxy.stopping.wait(rule.delay)  # the client gives up first
            self._drop()
            return True
        if rule.fault == "commit-drop":
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers["Host"] = f"{self.proxy.upstream_host}:{self.proxy.upstream_port}"
            self.proxy.forward(self.command, self.path, headers, body)
            self.proxy.record(self.command, self.path, action, "commit-dropped")
        else:
            self.proxy.record(self.command, self.path, action, "dropped")
        self._drop()
        return True

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
        self.connection.close()


def _handler_for(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    return type("BoundProxyHandler", (ProxyHandler,), {"proxy": proxy})
