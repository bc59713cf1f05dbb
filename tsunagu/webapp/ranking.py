"""The order of search results: relevance, last update, or name (issue 13: a sort control).

Relevance is a small score over where each query term (or its synonym) was found — the title
counts most, then tags, the standard's and department's names, then the description — with
the most recently updated first among equals. A registry of sort keys, so a new order is one
entry, and the page offers exactly these.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tsunagu.catalogue.search_text import fold, query_terms, variants
from tsunagu.catalogue.synonyms import new_forms

#: Where a term was found → its weight.
WEIGHTS = (("title", 4.0), ("tags", 2.0), ("names", 1.5), ("description", 1.0))


def _fields(record: Any) -> dict[str, str]:
    meta = record.meta
    return {
        "title": new_forms(fold(f"{meta.title_ja} {meta.title_en}")),
        "tags": new_forms(fold(" ".join(meta.tags))),
        "names": new_forms(
            fold(f"{meta.standard_title} {meta.organisation_title_ja} {meta.organisation_title_en}")
        ),
        "description": new_forms(fold(f"{meta.description_ja} {meta.description_en}")),
    }


def relevance(record: Any, q: str) -> float:
    fields = _fields(record)
    score = 0.0
    for term in query_terms(q):
        forms = variants(term)
        for name, weight in WEIGHTS:
            if any(form in fields[name] for form in forms):
                score += weight
    return score


def _title(record: Any, lang: str) -> str:
    meta = record.meta
    return fold(meta.title_en if lang == "en" and meta.title_en else meta.title_ja)


def _by_updated(records: Sequence[Any], q: str, lang: str) -> list[Any]:
    return sorted(records, key=lambda r: r.modified, reverse=True)


def _by_name(records: Sequence[Any], q: str, lang: str) -> list[Any]:
    return sorted(records, key=lambda r: (_title(r, lang), r.meta.id))


def _by_relevance(records: Sequence[Any], q: str, lang: str) -> list[Any]:
    newest_first = _by_updated(records, q, lang)
    return sorted(newest_first, key=lambda r: relevance(r, q), reverse=True)  # stable


SORTS: dict[str, Callable[[Sequence[Any], str, str], list[Any]]] = {
    "relevance": _by_relevance,
    "updated": _by_updated,
    "name": _by_name,
}


def default_sort(q: str) -> str:
    return "relevance" if q.strip() else "updated"


def ordered(records: Sequence[Any], q: str, sort: str, lang: str) -> list[Any]:
    return SORTS.get(sort, SORTS[default_sort(q)])(records, q, lang)
