"""The data licences a manifest may name, as people read them: the full name, the deed, and
the ready 出典表記 (credit line) to copy.

The credit line follows 政府標準利用規約（第2.0版）/ CC BY 4.0 practice: the source, the title and
the page's URL; a licence without an attribution duty (CC0, PDDL) still gets a courtesy line.
The registry is keyed by the SPDX ids that :mod:`tsunagu.manifest` accepts.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Licence:
    id: str
    name_ja: str
    name_en: str
    url_ja: str
    url_en: str
    attribution: bool  # does the licence require crediting the source?

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_ja

    def url(self, lang: str) -> str:
        return self.url_en if lang == "en" else self.url_ja


LICENCES: dict[str, Licence] = {
    item.id: item
    for item in (
        Licence(
            "CC-BY-4.0",
            "クリエイティブ・コモンズ 表示 4.0 国際（CC BY 4.0）",
            "Creative Commons Attribution 4.0 International (CC BY 4.0)",
            "https://creativecommons.org/licenses/by/4.0/deed.ja",
            "https://creativecommons.org/licenses/by/4.0/deed.en",
            True,
        ),
        Licence(
            "CC-BY-SA-4.0",
            "クリエイティブ・コモンズ 表示-継承 4.0 国際（CC BY-SA 4.0）",
            "Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0)",
            "https://creativecommons.org/licenses/by-sa/4.0/deed.ja",
            "https://creativecommons.org/licenses/by-sa/4.0/deed.en",
            True,
        ),
        Licence(
            "CC0-1.0",
            "CC0 1.0 全世界 パブリック・ドメイン提供",
            "CC0 1.0 Universal Public Domain Dedication",
            "https://creativecommons.org/publicdomain/zero/1.0/deed.ja",
            "https://creativecommons.org/publicdomain/zero/1.0/deed.en",
            False,
        ),
        Licence(
            "ODC-BY-1.0",
            "Open Data Commons 表示ライセンス 1.0（ODC-By）",
            "Open Data Commons Attribution License 1.0 (ODC-By)",
            "https://opendatacommons.org/licenses/by/1-0/",
            "https://opendatacommons.org/licenses/by/1-0/",
            True,
        ),
        Licence(
            "PDDL-1.0",
            "Open Data Commons パブリック・ドメイン提供及びライセンス 1.0（PDDL）",
            "Open Data Commons Public Domain Dedication and License 1.0 (PDDL)",
            "https://opendatacommons.org/licenses/pddl/1-0/",
            "https://opendatacommons.org/licenses/pddl/1-0/",
            False,
        ),
    )
}


def licence(licence_id: str) -> Licence:
    """The registry entry; an unknown id (an old CKAN record) is shown by its id, no link."""
    return LICENCES.get(licence_id) or Licence(licence_id, licence_id, licence_id, "", "", True)


def credit_line(*, lang: str, publisher: str, title: str, page_url: str, licence_id: str) -> str:
    """The 出典表記 to paste under a chart, a map or an app that uses the data."""
    entry = licence(licence_id)
    if lang == "en":
        line = f'Source: {publisher}, "{title}" ({page_url})'
        return f"{line}, licensed under {entry.name_en}" if entry.url_en else line
    line = f"出典：{publisher}「{title}」（{page_url}）"
    return f"{line}（{entry.name_ja}）" if entry.url_ja else line
