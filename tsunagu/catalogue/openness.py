"""The 5-star open data level of one resource, from its format alone (shown per resource so a
city sees what to improve: PDF ★, XLSX ★★, CSV ★★★, linked data ★★★★).

The format sets are the EBPM indicators' (:mod:`tsunagu.indicators.compute`), so the dataset
page and the dashboard never disagree about a format.
"""

from __future__ import annotations


def format_stars(fmt: str) -> int:
    """★ count a resource of format ``fmt`` reaches under an open licence."""
    from tsunagu.indicators.compute import LINKED_FORMATS, OPEN_FORMATS, STRUCTURED_FORMATS

    name = (fmt or "").upper()
    if name in LINKED_FORMATS:
        return 4
    if name in OPEN_FORMATS:
        return 3
    if name in STRUCTURED_FORMATS:
        return 2
    return 1
