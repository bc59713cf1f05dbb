"""The English UI: every template string is translated, and the compiled .mo matches the .po."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LC = ROOT / "tsunagu" / "webapp" / "translations" / "en" / "LC_MESSAGES"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def read_catalog(path: Path):
    with path.open("rb") as fh:
        return read_mo(fh) if path.suffix == ".mo" else read_po(fh, locale="en")


def _key(message_id: str | tuple[str, ...]) -> str:
    """A plural message (ngettext) is known by its singular."""
    return message_id if isinstance(message_id, str) else message_id[0]


def _forms(text: str | tuple[str, ...]) -> tuple[str, ...]:
    """Every translated form (one, or one per plural form); empty forms count as missing."""
    return (text,) if isinstance(text, str) else tuple(text)


def test_every_template_string_has_an_english_translation():
    po = {_key(m.id): m.string for m in read_catalog(LC / "messages.po") if m.id}
    fresh = _extract_repo()
    assert "本文へ移動" in fresh
    assert "公開する" in fresh
    untranslated = sorted(m for m in fresh if not all(_forms(po.get(m) or "")))
    assert untranslated == [], f"run pybabel extract/update and translate: {untranslated}"


def test_translations_keep_their_placeholders():
    for message in read_catalog(LC / "messages.po"):
        if message.id:
            wanted = set(_PLACEHOLDER.findall(_key(message.id)))
            for form in _forms(message.string):
                assert set(_PLACEHOLDER.findall(form)) == wanted, message.id


def test_compiled_mo_matches_po():
    po = {_key(m.id): _forms(m.string) for m in read_catalog(LC / "messages.po") if m.id}
    mo = {_key(m.id): _forms(m.string) for m in read_catalog(LC / "messages.mo") if m.id}
    assert mo == po


def test_committed_pot_is_current():
    pot = {
        _key(m.id) for m in read_catalog(ROOT / "tsunagu/webapp/translations/messages.pot") if m.id
    }
    assert pot == _extract_repo()


def _in_package(path: str) -> bool:
    relative = Path(path).resolve().relative_to(ROOT).parts
    return not relative or relative[0] == "tsunagu"


def _extract_repo() -> set[str]:
    """Run the extraction from the repository root, as ``pybabel extract -F babel.cfg .`` does."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    return {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=KEYWORDS, directory_filter=_in_package
        )
    }


def test_english_pages_render_in_english(client):
    home = client.get("/?lang=en").text
    assert "Skip to content" in home
    assert "本文へ移動" not in home
    assert "Datasets" in client.get("/datasets?lang=en").text
    signin = client.get("/upload/signin?lang=en").text
    assert "Staff sign-in" in signin
    assert "トークン" not in signin
    assert "職員サインイン" in client.get("/upload/signin?lang=ja").text
