"""Licence names, links and credit lines for every licence a manifest may name."""

from __future__ import annotations

from tsunagu.manifest import LICENCES as MANIFEST_LICENCES
from tsunagu.webapp.licences import LICENCES, credit_line, licence


def test_every_manifest_licence_has_names_and_links():
    assert set(MANIFEST_LICENCES) == set(LICENCES)
    for item in LICENCES.values():
        assert item.name_ja and item.name_en
        assert item.url_ja.startswith("https://") and item.url_en.startswith("https://")


def test_credit_line_names_source_title_page_and_licence():
    ja = credit_line(lang="ja", publisher="柏市", title="AED設置箇所一覧",
                     page_url="https://x/datasets/aed", licence_id="CC-BY-4.0")  # fmt: skip
    assert ja == (
        "出典：柏市「AED設置箇所一覧」（https://x/datasets/aed）"
        "（クリエイティブ・コモンズ 表示 4.0 国際（CC BY 4.0））"
    )
    en = credit_line(lang="en", publisher="Kashiwa City", title="AED locations",
                     page_url="https://x/datasets/aed", licence_id="CC-BY-4.0")  # fmt: skip
    assert en.startswith('Source: Kashiwa City, "AED locations" (https://x/datasets/aed)')
    assert en.endswith("(CC BY 4.0)")


def test_unknown_licence_is_shown_by_its_id_without_a_link():
    assert licence("Other-1").name("ja") == "Other-1" and licence("Other-1").url("en") == ""
