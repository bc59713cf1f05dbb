"""A small crawler for the served site: follows every internal link and asset from seed pages
and records what a user (or a browser) would run into — error answers, downloads, and anything
a page would load from outside the site.

Hand-written on the standard library's ``HTMLParser`` because the checks are about *which*
attribute carries a URL (a ``<script src>`` to another host is a failure, an ``<a href>`` to the
licence text is not), which generic link checkers do not distinguish.
"""

from __future__ import annotations

import json
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

import requests

#: Attributes through which a page makes the browser load something by itself.
LOADED = {
    ("script", "src"),
    ("img", "src"),
    ("img", "srcset"),
    ("source", "src"),
    ("source", "srcset"),
    ("iframe", "src"),
    ("frame", "src"),
    ("video", "src"),
    ("video", "poster"),
    ("audio", "src"),
    ("track", "src"),
    ("embed", "src"),
    ("object", "data"),
    ("input", "src"),
    ("base", "href"),
}
#: ``<link rel>`` values that make the browser fetch the target.
LOADING_RELS = {
    "stylesheet",
    "icon",
    "shortcut",
    "apple-touch-icon",
    "preload",
    "modulepreload",
    "prefetch",
    "manifest",
    "mask-icon",
}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")
MAX_PAGES = 6000
RATE_LIMIT_WAIT = 30.0


@dataclass
class Fetched:
    url: str
    status: int
    content_type: str
    body: bytes
    referrer: str
    headers: dict[str, str]


@dataclass
class CrawlResult:
    fetched: dict[str, Fetched] = field(default_factory=dict)
    #: (url, status, referrer) of every answer outside 2xx/3xx
    broken: list[tuple[str, int, str]] = field(default_factory=list)
    #: (page, what it loads from outside the site)
    external_loads: list[tuple[str, str]] = field(default_factory=list)
    #: problems found by per-page checks (``check`` callbacks)
    problems: list[str] = field(default_factory=list)
    rate_limited: int = 0

    def pages(self, predicate: Callable[[Fetched], bool]) -> list[Fetched]:
        return [f for f in self.fetched.values() if predicate(f)]


class _Links(HTMLParser):
    """Collects (url, loaded-by-the-browser?) pairs, inline CSS and JSON data blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, bool]] = []
        self.css: list[str] = []
        self.json_blocks: list[str] = []
        self._in: str | None = None
        self.lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = values.get("lang")
        if tag == "style" or (tag == "script" and "json" in values.get("type", "")):
            self._in = tag
        if "style" in values:
            self.css.append(values["style"])
        for name, value in values.items():
            if not value:
                continue
            if (tag, name) in LOADED:
                for url in _srcset(value) if name == "srcset" else [value]:
                    self.links.append((url, True))
            elif tag == "link" and name == "href":
                rels = set(values.get("rel", "").lower().split())
                self.links.append((value, bool(rels & LOADING_RELS)))
            elif name == "href" or (tag == "form" and name == "action") or _data_path(name, value):
                self.links.append((value, False))

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "style":
            self.css.append(data)
        elif self._in == "script":
            self.json_blocks.append(data)


def _data_path(name: str, value: str) -> bool:
    """A ``data-*`` attribute holding a site path (e.g. the URL a script fetches)."""
    return name.startswith("data-") and value.startswith("/") and not value.startswith("//")


def _srcset(value: str) -> list[str]:
    return [part.strip().split()[0] for part in value.split(",") if part.strip()]


def _json_urls(node: Any) -> Iterator[str]:
    """Every string in a JSON document that looks like a URL path or an absolute URL."""
    if isinstance(node, dict):
        for value in node.values():
            yield from _json_urls(value)
    elif isinstance(node, list):
        for value in node:
            yield from _json_urls(value)
    elif (
        isinstance(node, str)
        and node.startswith(("/", "http://", "https://"))
        and not node.startswith("//")
        and "{" not in node
        and "<" not in node
    ):
        yield node


class Crawler:
    """Breadth-first over one site; ``session`` keeps the language cookie like a browser."""

    def __init__(
        self,
        base: str,
        session: requests.Session | None = None,
        skip: Callable[[str], bool] = lambda url: False,
    ) -> None:
        self.base = base.rstrip("/")
        self.origin = urlsplit(self.base).netloc
        self.session = session or requests.Session()
        self.skip = skip

    def internal(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and parts.netloc == self.origin

    def crawl(self, seeds: Iterable[str]) -> CrawlResult:
        result = CrawlResult()
        queue: deque[tuple[str, str]] = deque(
            (self._absolute(s, self.base), "(seed)") for s in seeds
        )
        seen = {url for url, _ in queue}
        while queue:
            if len(result.fetched) >= MAX_PAGES:
                raise AssertionError(f"more than {MAX_PAGES} URLs: the crawl does not converge")
            url, referrer = queue.popleft()
            fetched = self._get(url, referrer, result)
            result.fetched[url] = fetched
            if not 200 <= fetched.status < 400:
                result.broken.append((url, fetched.status, referrer))
                continue
            for link in self._links(fetched, result):
                target = urlunsplit(urlsplit(link)._replace(fragment=""))
                if target not in seen and self.internal(target) and not self.skip(target):
                    seen.add(target)
                    queue.append((target, url))
        return result

    def _absolute(self, link: str, page: str) -> str:
        return urljoin(page, link.strip())

    def _get(self, url: str, referrer: str, result: CrawlResult) -> Fetched:
        for _attempt in range(5):
            response = self.session.get(url, timeout=30, allow_redirects=False)
            if response.status_code != 429:
                break
            # The API's documented rate limit: a polite client waits as told and retries.
            result.rate_limited += 1
            time.sleep(min(float(response.headers.get("Retry-After", "1")), RATE_LIMIT_WAIT))
        return Fetched(
            url,
            response.status_code,
            response.headers.get("Content-Type", ""),
            response.content,
            referrer,
            dict(response.headers),
        )

    def _links(self, fetched: Fetched, result: CrawlResult) -> list[str]:
        if 300 <= fetched.status < 400:
            return [self._absolute(fetched.headers.get("Location", ""), fetched.url)]
        kind = fetched.content_type.split(";")[0].strip()
        path = urlsplit(fetched.url).path
        text = fetched.body.decode("utf-8", errors="replace")
        if kind in ("text/html", "application/atom+xml", "application/xml", "text/xml"):
            parser = _Links()
            parser.feed(text)
            links = []
            for link, loaded in parser.links:
                absolute = self._absolute(link, fetched.url)
                if urlsplit(absolute).scheme in ("data", "mailto", "tel", "javascript"):
                    continue
                if loaded and not self.internal(absolute):
                    result.external_loads.append((fetched.url, absolute))
                links.append(absolute)
            for css in parser.css:
                links += self._css_links(css, fetched.url, result)
            for block in parser.json_blocks:
                try:
                    links += [self._absolute(u, fetched.url) for u in _json_urls(json.loads(block))]
                except ValueError:
                    result.problems.append(f"{fetched.url}: a JSON data block does not parse")
            return links
        if kind == "text/css":
            return self._css_links(text, fetched.url, result)
        if "json" in kind and path.startswith(("/api/", "/ogc")) and "/features" not in path:
            try:
                document = json.loads(text)
            except ValueError:
                result.problems.append(f"{fetched.url}: {kind} that does not parse")
                return []
            return [self._absolute(u, fetched.url) for u in _json_urls(document)]
        return []

    def _css_links(self, css: str, where: str, result: CrawlResult) -> list[str]:
        links = []
        for match in CSS_URL.finditer(css):
            raw = match[1] or match[2]
            absolute = self._absolute(raw, where)
            if urlsplit(absolute).scheme == "data":
                continue
            if not self.internal(absolute):
                result.external_loads.append((where, absolute))
            links.append(absolute)
        return links


def facet_combination(url: str) -> bool:
    """A catalogue link that combines two or more filters: each filter value is crawled on its
    own, the product of every tag, department, format and standard is not (thousands of
    pages that exercise nothing new)."""
    parts = urlsplit(url)
    if parts.path.startswith(("/api/", "/ogc", "/static/")):
        return False
    names = {name for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
    return len(names - {"lang", "page", "q"}) > 1


def html_lang(fetched: Fetched) -> str | None:
    parser = _Links()
    parser.feed(fetched.body.decode("utf-8", errors="replace"))
    return parser.lang
