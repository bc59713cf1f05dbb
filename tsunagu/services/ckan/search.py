"""``package_search`` on the embedded catalogue: the Solr syntax CKAN clients actually send.

Free text goes to the catalogue's own search (Japanese-aware substring matching, see
:mod:`tsunagu.catalogue.search_text`); ``field:value`` terms in ``q`` and ``fq`` — quoted or not,
``+``/``-`` prefixed, ``(a OR b)`` groups — are matched here, all ANDed, on the fields clients
filter by. Anything else is refused with CKAN's "Search Query Error" instead of silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tsunagu.catalogue.base import DatasetRecord
from tsunagu.catalogue.ckan_mapping import LICENCE_IDS

ROWS_MAX = 1000  # ckan.search.rows_max: CKAN clamps larger requests to it
DEFAULT_SORT = "score desc, metadata_modified desc"
_TERM = re.compile(r'(?P<sign>[+-]?)(?P<field>[A-Za-z_][\w.]*):(?P<value>"[^"]*"|\([^)]*\)|\S+)')

FIELDS: dict[str, Callable[[DatasetRecord], list[str]]] = {
    "organization": lambda r: [r.meta.organisation],
    "owner_org": lambda r: [r.meta.organisation],
    "tags": lambda r: list(r.meta.tags),
    "res_format": lambda r: sorted({res.format for res in r.resources}),
    "license_id": lambda r: [LICENCE_IDS.get(r.meta.licence, r.meta.licence)],
    "extras_standard": lambda r: [r.meta.standard],
    "name": lambda r: [r.meta.id],
    "id": lambda r: [r.meta.id],
    "dataset_type": lambda r: ["dataset"],
    "type": lambda r: ["dataset"],
    "capacity": lambda r: ["public"],
    "state": lambda r: ["active"],
}
SORTS: dict[str, Callable[[DatasetRecord], Any]] = {
    "score": lambda r: 0,  # no relevance score: the catalogue's own order stands
    "metadata_modified": lambda r: r.modified,
    "metadata_created": lambda r: r.created,
    "name": lambda r: r.meta.id,
    "title_string": lambda r: r.meta.title_ja,
}


@dataclass(frozen=True)
class Term:
    field: str
    values: tuple[str, ...]  # any of them (an OR group), or "*" for "has a value"
    negate: bool = False

    def matches(self, record: DatasetRecord) -> bool:
        have = FIELDS[self.field](record)
        hit = any((v == "*" and bool(have)) or v in have for v in self.values)
        return hit != self.negate


@dataclass(frozen=True)
class SearchQuery:
    text: str
    terms: tuple[Term, ...]
    sort: tuple[tuple[str, bool], ...]  # (field, descending)
    sort_text: str
    rows: int
    start: int
    facet_fields: tuple[str, ...]
    facet_limit: int

    @classmethod
    def parse(
        cls,
        *,
        q: str,
        fq: str,
        sort: str,
        rows: int,
        start: int,
        facet_fields: list[str],
        facet_limit: int = 50,
    ) -> SearchQuery:
        """Raises ValueError (→ Search Query Error) on an unknown field or sort."""
        q_text, q_terms = split_terms(q)
        fq_text, fq_terms = split_terms(fq)
        sort_text = sort.strip() or DEFAULT_SORT
        return cls(
            text=" ".join(t for t in (q_text, fq_text) if t),
            terms=(*q_terms, *fq_terms),
            sort=parse_sort(sort_text),
            sort_text=sort_text,
            rows=min(rows, ROWS_MAX),
            start=start,
            facet_fields=tuple(facet_fields),
            facet_limit=facet_limit,
        )


def _values(raw: str) -> tuple[str, ...]:
    if raw.startswith("(") and raw.endswith(")"):
        parts = re.split(r"\s+OR\s+", raw[1:-1].strip())
        return tuple(p.strip().strip('"') for p in parts if p.strip())
    return (raw.strip('"'),)


def split_terms(query: str) -> tuple[str, tuple[Term, ...]]:
    """``field:value`` terms out of a Solr query; the rest is free text."""
    if query.strip() in ("*:*", "*"):
        return "", ()
    terms = []
    for match in _TERM.finditer(query):
        field = match["field"]
        if field == "text":
            continue
        if field not in FIELDS:
            raise ValueError(f"undefined field {field}; supported: {', '.join(sorted(FIELDS))}")
        terms.append(Term(field, _values(match["value"]), match["sign"] == "-"))
    rest = _TERM.sub(lambda m: m["value"].strip('"') if m["field"] == "text" else " ", query)
    words = [w for w in rest.split() if w not in ("AND", "*:*", "+", "-")]
    return " ".join(words), tuple(terms)


def parse_sort(sort: str) -> tuple[tuple[str, bool], ...]:
    keys = []
    for part in sort.split(","):
        words = part.split()
        if len(words) != 2 or words[0] not in SORTS or words[1] not in ("asc", "desc"):
            raise ValueError('Invalid "sort" parameter')
        keys.append((words[0], words[1] == "desc"))
    return tuple(keys)


def _sorted(
    records: list[DatasetRecord], keys: tuple[tuple[str, bool], ...]
) -> list[DatasetRecord]:
    ordered = list(records)
    for field, descending in reversed(keys):  # stable sorts, last key first
        ordered.sort(key=SORTS[field], reverse=descending)
    return ordered


def _facet_values(field: str, record: DatasetRecord) -> list[str]:
    return FIELDS[field](record) if field in FIELDS else []


def facets(
    records: list[DatasetRecord], fields: tuple[str, ...], limit: int
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, Any]]]:
    """CKAN's two facet forms: ``facets`` (value → count) and ``search_facets`` (items)."""
    titles = {r.meta.organisation: r.meta.organisation_title_ja for r in records}
    plain: dict[str, dict[str, int]] = {}
    rich: dict[str, dict[str, Any]] = {}
    for field in fields:
        counts: dict[str, int] = {}
        for record in records:
            for value in _facet_values(field, record):
                counts[value] = counts.get(value, 0) + 1
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if limit >= 0:
            ranked = ranked[:limit]
        plain[field] = dict(ranked)
        rich[field] = {
            "title": field,
            "items": [
                {
                    "name": value,
                    "display_name": titles.get(value, value) if field == "organization" else value,
                    "count": count,
                }
                for value, count in ranked
            ],
        }
    return plain, rich


def run_search(records: list[DatasetRecord], query: SearchQuery) -> dict[str, Any]:
    """The ``result`` of package_search, with records (not yet package dicts) in ``results``."""
    found = [r for r in records if all(t.matches(r) for t in query.terms)]
    found = _sorted(found, query.sort)
    plain, rich = facets(found, query.facet_fields, query.facet_limit)
    return {
        "count": len(found),
        "facets": plain,
        "results": found[query.start : query.start + query.rows],
        "sort": query.sort_text,
        "search_facets": rich,
    }
