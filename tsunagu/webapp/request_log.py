"""The development server's request log without personal data (README "Privacy").

Werkzeug's default line starts with the client's IP address and shows the query string (which
may carry a token). ``tsunagu serve`` logs method, path, protocol, status and size only — the
same fields the shipped gunicorn configuration logs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from werkzeug.serving import WSGIRequestHandler


class PrivateRequestHandler(WSGIRequestHandler):
    def address_string(self) -> str:
        return "-"

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        path = urlsplit(self.path).path
        self.log("info", '"%s %s %s" %s %s', self.command, path, self.request_version, code, size)
