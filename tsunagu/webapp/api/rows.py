"""``GET /api/v1/datasets/<id>/rows`` and ``/rows.csv``: the standard CSV's rows, filtered.

Parameters: ``<field>=<value>`` (exact match, repeatable over fields), ``q`` (every term occurs
somewhere in the row, after width/kana folding), ``sort=<field>`` or ``sort=-<field>``,
``limit`` (default 100, at most 1000) and ``offset``. The JSON answer carries ``total`` and a
``next`` link; the CSV answer is the same selection as an RFC 4180 download — every matching
row unless ``limit``/``offset`` are given, since a download is not a page. JSON values are typed
per the published schema (:mod:`tsunagu.services.rows_types`); ``raw=1`` gives the cells as text.
The work is in
:mod:`tsunagu.services.rows`; these views only parse the request and serialise the answer.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, jsonify, request, url_for
from flask.blueprints import BlueprintSetupState
from flask.wrappers import Response

from tsunagu.errors import DatasetNotFound
from tsunagu.services.rows import RowsStore, page_records, parse_rows_query
from tsunagu.services.rows_types import RowTyper, typer_for
from tsunagu.webapp.context import published_file

bp = Blueprint("rows_api", __name__, url_prefix="/api/v1")
EXTENSION = "tsunagu_rows"
CSV_KEY = "csv"
PACKAGE_KEY = "datapackage"
#: ``raw=1`` (or true/yes): every cell as the CSV's text. Not a field filter.
RAW_VALUES = frozenset({"1", "true", "yes"})


def published_csv(dataset_id: str) -> tuple[Path, str]:
    """The stored standard CSV of a dataset and its checksum; 404 when it has none."""

    def key_of(record: Any) -> str | None:
        return CSV_KEY if any(r.key == CSV_KEY for r in record.resources) else None

    return published_file(dataset_id, key_of, "rows-not-found", "standard CSV", "標準CSV")


def row_typer(dataset_id: str) -> RowTyper:
    """The published schema's typer; all-text (empty as null) when no datapackage is published."""

    def key_of(record: Any) -> str | None:
        return PACKAGE_KEY if any(r.key == PACKAGE_KEY for r in record.resources) else None

    try:
        path, sha256 = published_file(dataset_id, key_of, "rows-not-found", "schema", "スキーマ")
    except DatasetNotFound:
        return RowTyper([])
    return typer_for(path, sha256)


def _query_args() -> tuple[dict[str, str], bool]:
    """The query string without ``raw`` (which is not a field filter), and whether it was on."""
    args = request.args.to_dict()
    raw = args.pop("raw", "").lower() in RAW_VALUES
    return args, raw


def store() -> RowsStore:
    return current_app.extensions[EXTENSION]


@bp.record_once
def _attach_store(state: BlueprintSetupState) -> None:
    app = state.app
    cache_dir = app.extensions["tsunagu"].settings.data_dir / "cache" / "rows"
    app.extensions.setdefault(EXTENSION, RowsStore(published_csv, cache_dir=cache_dir))


@bp.get("/datasets/<dataset_id>/rows")
def rows(dataset_id: str) -> Response:
    args, raw = _query_args()
    query = parse_rows_query(args)
    table, page = store().select(dataset_id, query)
    limit = query.limit or 0
    more = query.offset + limit < page.total and limit > 0
    next_args: dict[str, Any] = {
        **request.args.to_dict(),
        "offset": query.offset + limit,
        "limit": limit,
    }
    records = page_records(page)
    typer = None if raw else row_typer(dataset_id)
    response = jsonify(
        {
            "ok": True,
            "dataset": dataset_id,
            "fields": table.fields,
            "types": {
                name: "string" if typer is None else typer.types.get(name, "string")
                for name in table.fields
            },
            "raw": raw,
            "total": page.total,
            "offset": query.offset,
            "limit": limit,
            "rows": records if typer is None else typer.rows(records),
            "next": url_for(".rows", dataset_id=dataset_id, _external=True, **next_args)
            if more
            else None,
        }
    )
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


@bp.get("/datasets/<dataset_id>/rows.csv")
def rows_csv(dataset_id: str) -> Response:
    query = parse_rows_query(_query_args()[0], max_limit=None)
    _, page = store().select(dataset_id, query)
    body = page.frame.write_csv(line_terminator="\r\n", quote_style="necessary")
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8; header=present"
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", dataset_id) or "rows"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-rows.csv"'
    response.headers["X-Total-Count"] = str(page.total)
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
