"""Feature store: a published GeoJSON held as columns with a spatial index, for the map's API.

Why not read the file per request: a 100k-point layer is tens of MB of JSON; parsing it takes a
second, a bbox query over arrays takes milliseconds. So each published file is loaded once per
``(dataset id, sha256)`` — a new version has a new checksum and therefore a fresh entry — into

- ``lon``/``lat`` (a representative point, for grid aggregates) and the geometry bounds as numpy
  arrays, with a shapely ``STRtree`` over the bounds;
- the properties as a pyarrow table of strings (fast vectorised ``q`` and ``field=value`` filters);
- the non-point geometries as the parsed dicts (points are rebuilt from lon/lat);
- each feature's JSON text, encoded once at load (``fragments``): an API answer is then a join of
  the selected fragments and a small header, with no per-request encoding of features (that
  encoding was a fifth of a request's CPU, and it is the same bytes every time).

Entries live in an LRU bounded by count and by bytes. No Flask here (house style §3.2 e): the
blueprint in :mod:`tsunagu.webapp.api.features` parses the request and calls :meth:`query`.
"""

from tsunagu.services.features.layer import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_OFFSET,
    MAX_ZOOM,
    FeatureLayer,
    FeatureQuery,
    FeatureQueryError,
    FeaturesUnreadable,
    load_layer,
)
from tsunagu.services.features.query import (
    Selection,
    features,
    page_json,
    query_etag,
    query_layer,
    select,
)
from tsunagu.services.features.store import FeatureStore

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "MAX_OFFSET",
    "MAX_ZOOM",
    "FeatureLayer",
    "FeatureQuery",
    "FeatureQueryError",
    "FeatureStore",
    "FeaturesUnreadable",
    "Selection",
    "features",
    "load_layer",
    "page_json",
    "query_etag",
    "query_layer",
    "select",
]
