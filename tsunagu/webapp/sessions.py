"""The session cookie: ``HttpOnly``, ``SameSite=Lax``, and ``Secure`` when served over HTTPS.

Flask's ``SESSION_COOKIE_SECURE`` is one fixed value for the whole app, but the same app is
served over plain http on 127.0.0.1 (the demo, tests) and over HTTPS behind the city's proxy.
With ``cookie_secure = auto`` the flag follows the request's scheme (``X-Forwarded-Proto`` from a
trusted proxy, see :mod:`tsunagu.webapp.proxy`); ``always``/``never`` pin it. What the cookie
*holds* is a server-side session id checked on every request (:mod:`tsunagu.webapp.auth`).
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask.sessions import SecureCookieSessionInterface

from tsunagu.config import Settings


class SchemeAwareSessionInterface(SecureCookieSessionInterface):
    def __init__(self, mode: str) -> None:
        self.mode = mode

    def get_cookie_secure(self, app: Any) -> bool:
        if self.mode == "always":
            return True
        if self.mode == "never":
            return False
        return bool(request) and request.is_secure


def init_app(app: Any, settings: Settings) -> None:
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    app.session_interface = SchemeAwareSessionInterface(settings.cookie_secure)
