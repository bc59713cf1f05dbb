"""Who the client is and which host it asked for, when the app sits behind a reverse proxy.

Behind the README's nginx/Apache every request comes from 127.0.0.1: rate limits and sign-in
failure limits would then treat all visitors as one. Werkzeug's ``ProxyFix`` reads
``X-Forwarded-For``/``-Proto`` a configured number of hops deep, but it believes whoever sends
the headers; :class:`TrustedProxyFix` applies it only to requests whose socket peer is one of
the configured proxies, so a visitor talking to the app directly cannot pick its own address.
:class:`HostCheck` refuses a Host header outside the configured list with 400 before Flask sees
the request, so no absolute link is ever built from a forged Host. (Flask's own
``TRUSTED_HOSTS`` raises while the URL adapter is being made, and the error page then cannot
build its links: a 500.)
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response
from werkzeug.wsgi import get_host

from tsunagu.config import Settings
from tsunagu.errors import ConfigError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[Network, ...]:
    """``"127.0.0.1, 10.0.0.0/8"`` → networks; a bad entry is a configuration error."""
    networks = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ConfigError(
                f'trusted_proxies has a bad address "{item}": {exc}',
                message_ja=f"trusted_proxies のアドレス「{item}」が不正です",
            ) from exc
    return tuple(networks)


def allowed_hosts(text: str) -> list[str]:
    return [host.strip().lower() for host in text.split(",") if host.strip()]


class TrustedProxyFix:
    """``ProxyFix`` for requests from a trusted proxy; everyone else is taken at their socket."""

    def __init__(self, app: Any, hops: int, proxies: Iterable[Network]) -> None:
        self.app = app
        self.proxies = tuple(proxies)
        self.fixed = ProxyFix(app, x_for=hops, x_proto=hops)

    def _trusted(self, address: str) -> bool:
        try:
            peer = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(peer in network for network in self.proxies)

    def __call__(self, environ: dict, start_response: Any) -> Any:
        if self._trusted(environ.get("REMOTE_ADDR", "")):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)


class HostCheck:
    """400 (the project's error shape) for a Host header outside ``hosts``."""

    def __init__(self, app: Any, hosts: list[str]) -> None:
        self.app, self.hosts = app, hosts

    def __call__(self, environ: dict, start_response: Any) -> Any:
        try:
            get_host(environ, self.hosts)
        except SecurityError:
            return self._refuse(environ, start_response)
        return self.app(environ, start_response)

    @staticmethod
    def _refuse(environ: dict, start_response: Any) -> Any:
        import json

        en = "The Host header names a site this server does not serve."
        ja = "Host ヘッダーがこのサーバーのサイトではありません。"
        if environ.get("PATH_INFO", "").startswith("/api/"):
            body = {
                "ok": False,
                "status": 400,
                "code": "untrusted-host",
                "error": en,
                "errors": [en],
            }
            response = Response(json.dumps(body), 400, mimetype="application/json")
        else:
            page = f"<!doctype html><title>400</title><p lang=ja>{ja}</p><p lang=en>{en}</p>"
            response = Response(page, 400, mimetype="text/html")
        response.headers["Content-Security-Policy"] = "default-src 'none'"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response(environ, start_response)


def init_app(app: Any, settings: Settings) -> None:
    """The proxy fix when there are hops to read, then the Host check on the fixed request."""
    hosts = allowed_hosts(settings.allowed_hosts)
    if hosts:
        app.wsgi_app = HostCheck(app.wsgi_app, hosts)
    proxies = parse_networks(settings.trusted_proxies)
    if settings.proxy_hops and proxies:
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, settings.proxy_hops, proxies)
