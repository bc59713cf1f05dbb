"""HTTP plumbing for every ``/api/`` route: CORS, conditional requests, gzip, a rate limit.

Registered as a blueprint whose hooks apply app-wide to paths under ``/api/`` — the other API
blueprints (CKAN, datasets, features, feeds) get it without knowing about it.

- CORS: open data is read from other sites' pages, so GET/HEAD/OPTIONS are allowed from any
  origin, never with credentials (the API has no cookies worth sending).
- A strong ETag from the body's SHA-256, or the view's own strong tag when it set one from what
  determines the body (the features API does: hashing 100 KB per request was an eighth of its
  CPU), with the encoding in it since the gzip bytes differ; and the view's ``Last-Modified``.
  werkzeug turns matching ``If-None-Match`` / ``If-Modified-Since`` into 304, so polling
  clients and caches cost one hash, not a transfer.
- gzip for JSON, GeoJSON, CSV and Atom over ~1 KB when the client accepts it.
- A token bucket per remote address (``TSUNAGU_API_RATE``, e.g. ``60/minute``), answering 429
  with ``Retry-After`` and the JSON error shape.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import threading
import time
from dataclasses import dataclass, field

from flask import Blueprint, current_app, jsonify, request
from flask.wrappers import Response

from tsunagu.config import RATE_PATTERN
from tsunagu.webapp.errors import error_body
from tsunagu.webapp.security import add_missing

bp = Blueprint("api_http", __name__)

DEFAULT_RATE = "600/minute"  # Settings.api_rate; create_app passes it in
GZIP_MIN_BYTES = 1024
COMPRESSIBLE = {
    "application/json",
    "application/geo+json",
    "application/ld+json",
    "application/feed+json",
    "application/atom+xml",
    "application/schema+json",
    "text/csv",
}
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language, If-None-Match, If-Modified-Since",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Link, Retry-After, RateLimit-Limit, "
    "RateLimit-Remaining",
    "Access-Control-Max-Age": "86400",
}
_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = RATE_PATTERN


def parse_rate(text: str) -> tuple[int, float]:
    """``"60/minute"`` → (capacity 60, refill 1.0 token per second)."""
    match = _RATE.fullmatch(text or "")
    if match is None or int(match[1]) < 1:
        raise ValueError(f'TSUNAGU_API_RATE "{text}" is not like "60/minute" (second|minute|…)')
    count = int(match[1])
    return count, count / _PERIODS[match[2]]


@dataclass
class RateLimiter:
    """Token buckets keyed by client address; thread-safe, memory bounded by pruning full ones."""

    capacity: int
    per_second: float
    max_clients: int = 10_000
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, client: str, now: float | None = None) -> tuple[bool, float, int]:
        """(allowed, seconds until a token is free, tokens left)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, since = self._buckets.get(client, (float(self.capacity), now))
            tokens = min(self.capacity, tokens + (now - since) * self.per_second)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                self._prune(now)
                return True, 0.0, int(tokens - 1)
            self._buckets[client] = (tokens, now)
            return False, (1 - tokens) / self.per_second, 0

    def _prune(self, now: float) -> None:
        if len(self._buckets) <= self.max_clients:
            return
        for client, (tokens, since) in list(self._buckets.items()):
            if tokens + (now - since) * self.per_second >= self.capacity:
                del self._buckets[client]


def limiter() -> RateLimiter:
    """The app's limiter, rebuilt when the configured rate changes (tests set it per app)."""
    text = current_app.config.get("TSUNAGU_API_RATE", DEFAULT_RATE)
    cached = current_app.extensions.get("tsunagu_api_rate")
    if cached is None or cached[0] != text:
        cached = (text, RateLimiter(*parse_rate(text)))
        current_app.extensions["tsunagu_api_rate"] = cached
    return cached[1]


def is_api() -> bool:
    return request.path.startswith("/api/")


@bp.before_app_request
def _rate_limit() -> Response | None:
    if not is_api() or request.method == "OPTIONS":
        return None
    bucket = limiter()
    allowed, wait, left = bucket.take(request.remote_addr or "unknown")
    request.environ["tsunagu.rate"] = (bucket.capacity, left)
    if allowed:
        return None
    message = f"Too many requests: at most {bucket.capacity} per period; retry later"
    message_ja = (
        f"リクエストが多すぎます（期間あたり {bucket.capacity} 回まで）。時間をおいてください"
    )
    response = jsonify(error_body(429, "rate-limited", message, message_ja))
    response.status_code = 429
    response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
    return response


@bp.after_app_request
def _api_headers(response: Response) -> Response:
    if not is_api():
        return response
    extra = list(CORS_HEADERS.items())
    if "tsunagu.rate" in request.environ:
        capacity, left = request.environ["tsunagu.rate"]
        extra += [("RateLimit-Limit", str(capacity)), ("RateLimit-Remaining", str(left))]
    add_missing(response, extra)  # one pass over the headers, not one per name
    if response.direct_passthrough or response.is_streamed:
        return response  # files and streams: send_file does its own conditional handling
    response.vary.add("Accept-Encoding")
    zipped = _wants_gzip(response)
    if request.method in ("GET", "HEAD") and response.status_code == 200:
        digest = response.get_etag()[0] or hashlib.sha256(response.get_data()).hexdigest()[:32]
        response.set_etag(f"{digest}-gzip" if zipped else digest)
        response.make_conditional(request)
    if zipped and response.status_code == 200:
        _compress(response)
    return response


def _wants_gzip(response: Response) -> bool:
    return (
        response.mimetype in COMPRESSIBLE
        and "Content-Encoding" not in response.headers
        and request.accept_encodings.quality("gzip") > 0
        and response.calculate_content_length() is not None
        and (response.calculate_content_length() or 0) > GZIP_MIN_BYTES
    )


def _compress(response: Response) -> None:
    body = gzip.compress(response.get_data(), compresslevel=6, mtime=0)
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
