"""The CKAN Action API (``/api/3/action/<action>``) over the embedded catalogue.

Existing CKAN clients — ckanapi, harvesters, the portal aggregators — work unchanged: GET with
query parameters or POST with a JSON body, CKAN's envelope, CKAN's error classes and statuses.
``/api/action/<action>`` is served too, because that is the path ckanapi calls. This blueprint
keeps CKAN's error shape (house style §3.2 e); everything else under ``/api/`` uses Tsunagu's.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, request

from tsunagu.errors import DatasetNotFound, TsunaguError
from tsunagu.services.ckan.actions import (
    ActionContext,
    ActionError,
    ActionNotFound,
    UnknownAction,
    call_action,
)
from tsunagu.services.ckan.datastore import TypedTable, datapackage_key, schema_for
from tsunagu.services.request_input import BadRequestInput, strict_json
from tsunagu.webapp.api.rows import CSV_KEY
from tsunagu.webapp.api.rows import store as rows_store
from tsunagu.webapp.context import web

bp = Blueprint("ckan_api", __name__, url_prefix="/api")


def base_url() -> str:
    """Public root of this site (scheme, host and any mount prefix), without a trailing slash."""
    return request.host_url.rstrip("/") + request.script_root


def _json(body: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False),
        status=status,
        mimetype="application/json",
        headers={"Cache-Control": "public, max-age=0, must-revalidate"},
    )


def _help(action: str) -> str:
    return f"{base_url()}/api/3/action/help_show?name={action}"


def _bad_request(message: str) -> Response:
    """CKAN answers requests it cannot even parse with a bare JSON string."""
    return _json(f"Bad request: {message}", 400)


def _params() -> dict[str, Any] | None:
    """Query parameters (GET) or the JSON / form body (POST); None when the body is not JSON."""
    if request.method != "POST":
        return {k: (v[0] if len(v) == 1 else v) for k, v in request.args.lists()}
    if request.form:
        return request.form.to_dict()
    if not request.get_data():
        return {}
    try:  # strict: no Infinity/NaN/1e400, no nesting deep enough to exhaust the stack
        body = strict_json(request.get_data())
    except BadRequestInput:
        return None
    return body if isinstance(body, dict) else None


@bp.route("/3/action/<action>", methods=["GET", "POST"])
@bp.route("/action/<action>", methods=["GET", "POST"])
def action(action: str) -> Response:
    params = _params()
    if params is None:
        return _bad_request("JSON Error: Error decoding JSON data; send a JSON object")
    ctx = ActionContext(web().catalogue, base_url(), web().settings.site_title, typed_table)
    try:
        result = call_action(action, ctx, params)
    except UnknownAction as exc:
        return _json(exc.message_en, exc.http_status)
    except ActionError as exc:
        return _failure(action, exc.http_status, exc.error_dict())
    except DatasetNotFound:
        return _failure(action, 404, ActionNotFound().error_dict())
    except TsunaguError as exc:  # the catalogue behind us failed: CKAN's 500 shape, safe text
        error = {"__type": "Internal Server Error", "message": exc.message_en}
        return _failure(action, exc.http_status, error)
    return _json({"help": _help(action), "success": True, "result": result})


def typed_table(dataset_id: str, key: str) -> TypedTable:
    """A tabular resource from the rows store (shared with the rows API, so the main CSV is
    loaded once), typed by the Table Schema in the dataset's ``datapackage.json``."""
    catalogue = web().catalogue
    path, info = catalogue.open_file(dataset_id, key)
    name = dataset_id if key == CSV_KEY else f"{dataset_id}/{key}"
    table = rows_store().load(name, path, info["sha256"])
    schema = None
    if any(r.key == datapackage_key(key) for r in catalogue.get_dataset(dataset_id).resources):
        package_path, _ = catalogue.open_file(dataset_id, datapackage_key(key))
        try:
            schema = schema_for(json.loads(package_path.read_text(encoding="utf-8")), key)
        except (OSError, ValueError):
            schema = None  # an unreadable package: every column as text, still the same rows
    return TypedTable.of(table, schema)


def _failure(action: str, status: int, error: dict[str, Any]) -> Response:
    return _json({"help": _help(action), "success": False, "error": error}, status)
