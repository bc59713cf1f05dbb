"""Counts read right in English ("1 dataset", "2 datasets") and stay 「N 件」 in Japanese, which
has no plural: every count goes through ngettext (issue 13)."""

from __future__ import annotations

import re


def _text(client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, path
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)))


COUNTS = [  # two datasets in 健康政策課, one in 市民課; two standards
    ("/organisations/shimin", "1 dataset ", "データセット 1 件"),
    ("/organisations/kenko", "2 datasets", "データセット 2 件"),
    ("/datasets?organization=shimin", "1 dataset ", "1 件"),
    ("/datasets?q=人口", "1 dataset ", "1 件"),
    ("/datasets", "3 datasets", "3 件"),
    ("/", "3 datasets", "データセット 3 件"),
    ("/about", "3 datasets are published.", "現在 3 件のデータセットを公開しています。"),
]


def test_counts_in_english_and_japanese(client):
    for path, english, japanese in COUNTS:
        sep = "&" if "?" in path else "?"
        assert english in _text(client, f"{path}{sep}lang=en"), path
        ja = _text(client, f"{path}{sep}lang=ja")
        assert japanese in ja, path
        assert " dataset" not in ja, path


def test_departments_page_counts_each_department(client):
    text = _text(client, "/organisations?lang=en")
    assert "Citizens Division 1 dataset " in text
    assert "Health Policy Division 2 datasets" in text
    home = _text(client, "/?lang=en")
    assert "2 departments" in home and "2 standard datasets" in home


def test_singular_forms_exist_for_every_count():
    """Every plural message has a singular English form that differs from its plural one, so a
    count of one never reads "1 errors"."""
    from pathlib import Path

    from babel.messages.pofile import read_po

    po = Path(__file__).resolve().parents[2] / "tsunagu/webapp/translations/en/LC_MESSAGES"
    with (po / "messages.po").open("rb") as fh:
        plurals = [m for m in read_po(fh, locale="en") if m.pluralizable]
    assert len(plurals) >= 12
    for message in plurals:
        one, many = message.string
        assert one and many and one != many, message.id
