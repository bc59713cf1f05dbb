"""``/api/openapi.json``: the OpenAPI 3.1 description of every ``/api/`` and ``/ogc`` route.

The OGC landing page's ``service-desc`` link points here, so the OGC API – Features routes are
described too (the ``oas30`` conformance class asks for an OpenAPI definition of the service).

The document is written by hand in ``openapi.yaml`` (reviewable prose, one place to edit) and
served as JSON with this site's own URL as the server; a test keeps it in step with the app's URL
map and validates real responses against its schemas.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Response, jsonify, request

bp = Blueprint("openapi_api", __name__, url_prefix="/api")
SPEC_PATH = Path(__file__).with_name("openapi.yaml")


@cache
def load_spec() -> dict[str, Any]:
    """Parsed once per process, on first use (never at import)."""
    with SPEC_PATH.open(encoding="utf-8") as fh:
        # libyaml when built in (a safe loader either way): the spec is ~100 KB of YAML.
        spec: dict[str, Any] = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    _allow_empty_values(spec)
    return spec


def _allow_empty_values(spec: dict[str, Any]) -> None:
    """Mark every query parameter ``allowEmptyValue``: every route reads ``?limit=`` as no
    ``limit`` (an HTML form sends its empty fields), a rule of the whole API stated once here
    rather than on each of some sixty parameters, so none can be forgotten."""
    parameters = list(spec.get("components", {}).get("parameters", {}).values())
    for item in spec.get("paths", {}).values():
        for operation in item.values():
            parameters.extend(operation.get("parameters", []))
    for parameter in parameters:
        if parameter.get("in") == "query":
            parameter["allowEmptyValue"] = True


@bp.get("/openapi.json")
def openapi() -> Response:
    spec = copy.deepcopy(load_spec())
    spec["servers"] = [{"url": request.host_url.rstrip("/") + request.script_root}]
    return jsonify(spec)
