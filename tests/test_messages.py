"""Every problem code a department can be shown has a Japanese and an English title (issue 14).

The upload page, the HTML report and the terminal name each kind of problem by its title, not by
its code. The codes are collected from the source itself, so a new check whose code has no title
fails here rather than showing ``date-invalid`` to a department.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tsunagu.messages import catalogue, title

PACKAGE = Path(__file__).resolve().parent.parent / "tsunagu"
#: Calls that make a problem (or count a change) from a literal code.
PROBLEM_CALLS = frozenset({"Problem", "add", "count", "refuse", "_problem", "problem", "_both"})
#: Catalogue entries that are report phrases or hints inside a message, not problem codes.
NOT_CODES = ("report-", "hint-")


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _looks_like_code(text: str) -> bool:
    return "-" in text and " " not in text and text.islower()


def emitted_codes() -> dict[str, str]:
    """``code → file`` for every code the package can emit: literals handed to a problem
    constructor (first argument or ``code=``), and every other string literal that is a
    catalogued code (codes kept in tables, such as the Frictionless error types)."""
    known = set(catalogue())
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        where = str(path.relative_to(PACKAGE.parent))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _name(node.func) in PROBLEM_CALLS:
                args = node.args[:1] + [k.value for k in node.keywords if k.arg == "code"]
                for arg in args:
                    value = arg.value if isinstance(arg, ast.Constant) else None
                    if isinstance(value, str) and _looks_like_code(value):
                        found.setdefault(value, where)
            elif isinstance(node, ast.Constant) and node.value in known:
                found.setdefault(str(node.value), where)
    return {c: w for c, w in found.items() if not c.startswith(NOT_CODES)}


def test_the_walk_finds_the_codes_of_every_room():
    codes = emitted_codes()
    for code in ("encoding-undecodable", "date-invalid", "type-error", "personal-number"):
        assert code in codes


def test_every_emitted_and_catalogued_problem_code_has_japanese_and_english_titles():
    codes = set(emitted_codes()) | {c for c in catalogue() if not c.startswith(NOT_CODES)}
    untitled = sorted(
        code
        for code in codes
        if not (catalogue().get(code) or {}).get("title", {}).get("ja")
        or not (catalogue().get(code) or {}).get("title", {}).get("en")
    )
    assert untitled == []


def test_titles_are_words_not_codes():
    for code in catalogue():
        if code.startswith(NOT_CODES):
            continue
        ja, en = title(code, "ja"), title(code, "en")
        assert ja != code and en != code, code
        assert not ja.isascii(), f"{code}: the Japanese title is not Japanese"
        assert len(ja) <= 30 and len(en) <= 60, code
        assert "{" not in ja + en, f"{code}: a title takes no parameters"


def test_a_code_without_a_title_still_shows_something():
    assert title("no-such-code", "ja") == "no-such-code"
