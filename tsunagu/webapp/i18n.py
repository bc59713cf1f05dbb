"""Japanese first, English on request (Flask-Babel).

Source strings in templates are Japanese; ``translations/en`` holds the English. The choice is
``?lang=en|ja`` (remembered in a cookie) — not the browser's Accept-Language, because the
city's site is Japanese by default for everyone and English is an explicit switch.
"""

from __future__ import annotations

from flask import Flask, request
from flask.wrappers import Response
from flask_babel import Babel, get_locale

LANGS = ("ja", "en")
COOKIE = "lang"


def select_locale() -> str:
    chosen = request.args.get("lang") or request.cookies.get(COOKIE)
    return chosen if chosen in LANGS else "ja"


def current_lang() -> str:
    return str(get_locale() or "ja")


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale, default_locale="ja")
    app.jinja_env.globals["current_lang"] = current_lang

    @app.after_request
    def _remember(response: Response) -> Response:
        chosen = request.args.get("lang")
        if chosen in LANGS:
            response.set_cookie(COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax")
        return response
