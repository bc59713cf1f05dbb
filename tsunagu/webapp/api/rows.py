"""``GET /api/v1/datasets/<id>/rows`` and ``/rows.csv``: the standard CSV's rows, filtered.

Parameters: ``<field>=<value>`` (exact match, repeatable over fields), ``q`` (every term occurs
somewhere in the row, after width/kana folding), ``sort=<field>`` or ``sort=-<field>``,
``limit`` (default 100, at most 1000) and ``offset``. The JSON answer carries ``total`` and a
``next`` link; the CSV answer is the same selection as an RFC 4180 download — every matching
row unless ``limit``/``offset`` are given, since a download is not a page. The work is in
:mod:`tsunagu.webapp.rows_store`; these views only parse the request and serialise the answer.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request, url_for
from flask.wrappers import Response

from tsunagu.webapp.context import published_file
from tsunagu.webapp.rows_store import RowsStore, page_records, parse_rows_query

bp = Blueprint("rows_api", __name__, url_prefix="/api/v1")
EXTENSION = "tsunagu_rows"
CSV_KEY = "csv"


def published_csv(dataset_id: str) -> tuple[Path, str]:
    """The stored standard CSV of a dataset and its checksum; 404 when it has none."""

    def key_of(record: Any) -> str | None:
        return CSV_KEY if any(r.key == CSV_KEY for r in record.resources) else None

    return published_file(dataset_id, key_of, "rows-not-found", "standard CSV", "標準CSV")


def store() -> RowsStore:
    return current_app.extensions[EXTENSION]


@bp.record_once
def _attach_store(state) -> None:
    app: Flask = state.app
    app.extensions.setdefault(EXTENSION, RowsStore(published_csv))


@bp.get("/datasets/<dataset_id>/rows")
def rows(dataset_id: str) -> Response:
    query = parse_rows_query(request.args.to_dict())
    table, page = store().select(dataset_id, query)
    limit = query.limit or 0
    more = query.offset + limit < page.total and limit > 0
    args = {**request.args.to_dict(), "offset": query.offset + limit, "limit": limit}
    response = jsonify(
        {
            "ok": True,
            "dataset": dataset_id,
            "fields": table.fields,
            "total": page.total,
            "offset": query.offset,
            "limit": limit,
            "rows": page_records(page),
            "next": url_for(".rows", dataset_id=dataset_id, _external=True, **args)
            if more
            else None,
        }
    )
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


@bp.get("/datasets/<dataset_id>/rows.csv")
def rows_csv(dataset_id: str) -> Response:
    query = parse_rows_query(request.args.to_dict(), max_limit=None)
    _, page = store().select(dataset_id, query)
    body = page.frame.write_csv(line_terminator="\r\n", quote_style="necessary")
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8; header=present"
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", dataset_id) or "rows"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-rows.csv"'
    response.headers["X-Total-Count"] = str(page.total)
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
