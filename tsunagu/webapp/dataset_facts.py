"""Codes on a dataset page in people's words, in the page's language (issue 13).

``yearly`` → 毎年, a standard's slug → its name (English from the schema registry), a tag →
its English word, and the related datasets (same standard, same department, shared tags).
Plain functions and registries; the view passes the language.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

FREQUENCIES: dict[str, dict[str, str]] = {
    "daily": {"ja": "毎日", "en": "Daily"},
    "weekly": {"ja": "毎週", "en": "Weekly"},
    "monthly": {"ja": "毎月", "en": "Monthly"},
    "quarterly": {"ja": "四半期ごと", "en": "Quarterly"},
    "yearly": {"ja": "毎年", "en": "Yearly"},
    "irregular": {"ja": "不定期", "en": "Irregular"},
    "never": {"ja": "更新しない", "en": "Not updated"},
}

#: English words for the tags departments use (a tag not listed is shown as written).
TAGS_EN: dict[str, str] = {
    "防災": "Disaster prevention",
    "避難場所": "Evacuation sites",
    "避難所": "Shelters",
    "災害": "Disasters",
    "救急": "Emergency care",
    "医療": "Medical care",
    "公共施設": "Public facilities",
    "公衆無線LAN": "Public wireless LAN",
    "イベント": "Events",
    "観光": "Tourism",
    "地域振興": "Community development",
    "トイレ": "Toilets",
    "公園": "Parks",
    "バリアフリー": "Accessibility",
    "人口": "Population",
    "町丁目": "Town blocks",
    "統計": "Statistics",
    "子育て": "Child-rearing",
    "保育園": "Nursery schools",
    "幼稚園": "Kindergartens",
    "文化財": "Cultural properties",
    "歴史": "History",
    "福祉": "Welfare",
    "健康": "Health",
    "介護": "Elderly care",
    "教育": "Education",
    "交通": "Transport",
    "環境": "Environment",
    "ごみ": "Waste",
}


def scheduled_update(update_frequency: str, modified: str) -> date | None:
    """「次回更新予定」: the last publish plus one period (``None`` for irregular/never).
    Overdue is decided elsewhere (:func:`tsunagu.services.dataset_view.is_overdue`, with grace)."""
    from tsunagu.services.dataset_view import FREQUENCY_DAYS, parse_time

    days = FREQUENCY_DAYS.get(update_frequency)
    last = parse_time(modified)
    if days is None or last is None:
        return None
    return (last + timedelta(days=days)).date()


def as_of_label(iso_day: str, lang: str) -> str:
    """「データ時点」 as each language writes it: 令和6年4月1日現在 on Japanese pages (the form
    departments print and citizens read), the ISO day on English ones; "" when not stated."""
    from tsunagu.normalize.wareki import format_wareki

    try:
        day = date.fromisoformat(iso_day)
    except ValueError:
        return ""
    return day.isoformat() if lang == "en" else f"{format_wareki(day)}現在"


def contact_view(contact: dict[str, str] | None, lang: str) -> dict[str, str] | None:
    """問い合わせ先 for the page: the name in the page's language, a ``tel:`` link beside the
    number as written."""
    if not contact:
        return None
    from tsunagu.normalize.phone import tel_uri

    name = contact.get("name_en") if lang == "en" else ""
    phone = contact.get("phone", "")
    return {
        "name": name or contact.get("name_ja", ""),
        "phone": phone,
        "tel": (tel_uri(phone) or "") if phone else "",
        "email": contact.get("email", ""),
        "url": contact.get("url", ""),
    }


def frequency_label(code: str, lang: str) -> str:
    return FREQUENCIES.get(code, {}).get(lang, code)


def tag_label(tag: str, lang: str) -> str:
    return TAGS_EN.get(tag, tag) if lang == "en" else tag


def standard_label(slug: str, fallback: str, lang: str, schemas_dir: Path) -> str:
    """The standard's name: the catalogue's (Japanese) title, or the registry's English one."""
    if lang != "en":
        return fallback or slug
    from tsunagu.errors import TsunaguError
    from tsunagu.standards import load_registry

    try:
        return load_registry(schemas_dir).get(slug).title_en or fallback or slug
    except TsunaguError:
        return fallback or slug


def related(record: Any, others: Sequence[Any], limit: int = 6) -> list[tuple[Any, list[str]]]:
    """Other datasets sharing the standard, the department or tags, with why (codes:
    ``standard``, ``department``, ``tags``), most in common first, then newest."""
    meta = record.meta
    found = []
    for other in others:
        if other.meta.id == meta.id:
            continue
        why = []
        if other.meta.standard == meta.standard:
            why.append("standard")
        if other.meta.organisation == meta.organisation:
            why.append("department")
        shared = set(other.meta.tags) & set(meta.tags)
        if shared:
            why.append("tags")
        if why:
            found.append((len(why) + len(shared) * 0.5, other.modified, other, why))
    found.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [(other, why) for _, _, other, why in found[:limit]]
