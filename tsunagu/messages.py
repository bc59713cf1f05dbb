"""Problem codes to Japanese and English text.

Each room keeps its own catalogue in ``tsunagu/texts/<room>.yaml`` (``code: {ja: …, en: …}``),
so the words live beside nothing else and translators edit data, not code. A problem code also
has a short ``title: {ja: …, en: …}``: what a department sees where a list names the kind of
problem (the upload page, the report's headings, the terminal), instead of the raw code.
Every template says what is wrong and how to fix it; where it is (file, row, column) is
prefixed here from the problem's :class:`~tsunagu.errors.Location`, the same way for every
code.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from tsunagu.errors import Location, Problem

LANGS = ("ja", "en")
#: libyaml when built in: the pure-Python loader took 0.7 s of every command for these files.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def catalogue() -> dict[str, dict[str, Any]]:
    """All message templates, merged from every ``texts/*.yaml``; a code defined twice is a bug."""
    merged: dict[str, dict[str, Any]] = {}
    for entry in sorted(resources.files("tsunagu.texts").iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        data = yaml.load(entry.read_text(encoding="utf-8"), Loader=_LOADER) or {}  # noqa: S506
        for code, texts in data.items():
            if code in merged:
                raise ValueError(f"message code {code!r} defined twice (again in {entry.name})")
            merged[code] = texts
    return merged


class _Params(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(code: str, lang: str = "ja", **params: Any) -> str:
    """Render one template; an unknown code still yields a readable line, never a crash."""
    texts = catalogue().get(code)
    if texts is None:
        return f"[{code}] " + ", ".join(f"{k}={v!r}" for k, v in params.items())
    template = texts.get(lang) or texts.get("en") or code
    return str(template).format_map(_Params(params))


def title(code: str, lang: str = "ja") -> str:
    """The problem code's short title (``文字コードを判定できない``); the code itself when it has
    none, so a new code still shows something (tests/test_messages.py keeps every code titled)."""
    titles = (catalogue().get(code) or {}).get("title") or {}
    return str(titles.get(lang) or titles.get("en") or code)


_LOCATION_PARTS: dict[str, list[tuple[str, str]]] = {
    "ja": [
        ("file", "{}"),
        ("sheet", "シート「{}」"),
        ("row", "{}行目"),
        ("column", "列「{}」"),
        ("feature", "地物 {}"),
        ("byte_offset", "{}バイト目"),
    ],
    "en": [
        ("file", "{}"),
        ("sheet", "sheet {!r}"),
        ("row", "row {}"),
        ("column", 'column "{}"'),
        ("feature", "feature {}"),
        ("byte_offset", "byte {}"),
    ],
}


def render_location(location: Location, lang: str = "ja") -> str:
    """``aed.csv 3行目 列「設置日」`` / ``aed.csv, row 3, column "設置日"``."""
    parts = [
        template.format(getattr(location, name))
        for name, template in _LOCATION_PARTS["ja" if lang == "ja" else "en"]
        if getattr(location, name) is not None
    ]
    return (" " if lang == "ja" else ", ").join(parts)


def render_problem(problem: Problem, lang: str = "ja") -> str:
    where = render_location(problem.location, lang)
    text = render(problem.code, lang, **problem.params)
    if not where:
        return text
    return f"{where}: {text}"
