"""The 5-star open data level of one resource, from its format alone (shown per resource so a
city sees what to improve: PDF ★, XLSX ★★, CSV ★★★, linked data ★★★★).

The format sets live here, in the catalogue, and the EBPM indicators
(:mod:`tsunagu.indicators.compute`) read them from here, so the dataset page and the
dashboard never disagree about a format and the catalogue never reaches up into the
indicators.
"""

from __future__ import annotations

#: machine-readable (★★)
STRUCTURED_FORMATS = frozenset({"CSV", "GEOJSON", "JSON", "XLSX", "XLS", "XML", "GPKG", "KML"})
#: machine-readable in an open format (★★★)
OPEN_FORMATS = frozenset({"CSV", "GEOJSON", "JSON", "XML", "GPKG", "KML"})
#: linked data (★★★★)
LINKED_FORMATS = frozenset({"RDF", "TTL", "JSON-LD", "JSONLD", "N-TRIPLES", "NT"})


def format_stars(fmt: str) -> int:
    """★ count a resource of format ``fmt`` reaches under an open licence."""
    name = (fmt or "").upper()
    if name in LINKED_FORMATS:
        return 4
    if name in OPEN_FORMATS:
        return 3
    if name in STRUCTURED_FORMATS:
        return 2
    return 1
