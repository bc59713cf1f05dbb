"""Header vocabularies cities really use, beyond each standard's own names and ``x-aliases``.

Three families turn up in real files: the IMI 共通語彙基盤 style English names (``identification``,
``fullNameInKana``, ``installationPosition``, ``startTime`` …), the national 指定緊急避難場所 data
format (``施設・場所名``, one column per hazard), and the English member names the current
standards print in their own titles (``利用開始時間 (startTime)``). Each entry lists candidate
standard fields in order; the first one the schema has is the target, so one vocabulary serves
every dataset (``startTime`` is 開始時間 for an AED list and 利用開始時間 for a toilet list).
"""

from __future__ import annotations

import re
from typing import Any

HAZARDS = (
    "洪水", "崖崩れ、土石流及び地滑り", "高潮", "地震",
    "津波", "大規模な火事", "内水氾濫", "火山現象",
)  # fmt: skip

VOCABULARY: dict[str, tuple[str, ...]] = {
    # IMI-style English member names
    "identification": ("ID", "NO"),
    "identifier": ("ID", "NO"),
    "id": ("ID", "NO"),
    "name": ("名称",),
    "fullName": ("名称",),
    "fullNameInKana": ("名称_カナ",),
    "nameInKana": ("名称_カナ",),
    "nameKana": ("名称_カナ",),
    "nameEn": ("名称_英語", "名称_英字"),
    "nameInEnglish": ("名称_英語", "名称_英字"),
    "fullAddress": ("所在地_連結表記", "住所"),
    "address": ("所在地_連結表記", "住所"),
    "prefecture": ("所在地_都道府県", "都道府県名"),
    "city": ("所在地_市区町村", "市区町村名"),
    "streetAddress": ("所在地_町字",),
    "cityBlock": ("所在地_番地以下",),
    "buildingNameEtc": ("建物名等(方書)", "方書"),
    "latitude": ("緯度",),
    "longitude": ("経度",),
    "installationPosition": ("設置位置",),
    "telephone": ("電話番号", "連絡先電話番号"),
    "phoneNumber": ("電話番号", "連絡先電話番号"),
    "extension": ("内線番号", "連絡先内線番号"),
    "corporateNumber": ("法人番号",),
    "organizationName": ("団体名",),
    "availableDay": ("利用可能曜日",),
    "dayOfWeek": ("利用可能曜日",),
    "startTime": ("開始時間", "利用開始時間"),
    "endTime": ("終了時間", "利用終了時間"),
    "dateTimeRemarks": ("利用可能日時特記事項", "利用可能時間特記事項"),
    "pediatricEquipment": ("小児対応設備の有無",),
    "image": ("画像",),
    "imageLicense": ("画像_ライセンス",),
    "url": ("URL",),
    "remarks": ("備考",),
    "note": ("備考",),
    "localGovernmentCode": ("全国地方公共団体コード", "都道府県コード又は市区町村コード"),
    "localGovernmentName": ("地方公共団体名",),
    # older local names of the current standard's address parts
    "都道府県名": ("所在地_都道府県",),
    "市区町村名": ("所在地_市区町村",),
    # the national 指定緊急避難場所 format (and its 指定避難所 sibling)
    "施設・場所名": ("名称",),
    "施設･場所名": ("名称",),
    "共通ID": ("ID",),
    "市町村コード": ("市区町村コード", "全国地方公共団体コード"),
    "都道府県名及び市町村名": ("地方公共団体名",),
    "指定避難所との住所同一": ("指定避難所との重複",),
    **{hazard: (f"災害種別_{hazard}",) for hazard in HAZARDS},
}

_TITLE_MEMBER = re.compile(r"\(([A-Za-z][A-Za-z0-9]*)\)\s*$")


def vocabulary_aliases(field_names: list[str], field: Any = None) -> dict[str, list[str]]:
    """Extra aliases per field of one schema: the vocabulary's first fitting target, and the
    English member name in a field's title. ``field`` is ``schema.field`` (for titles)."""
    names = set(field_names)
    out: dict[str, list[str]] = {}
    for label, targets in VOCABULARY.items():
        target = next((t for t in targets if t in names), None)
        if target is not None:
            out.setdefault(target, []).append(label)
    if field is not None:
        for name in field_names:
            member = _TITLE_MEMBER.search(str(field(name).get("title", "")))
            if member:
                out.setdefault(name, []).append(member[1])
    return out
