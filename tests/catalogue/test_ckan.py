"""``_translate``: each ckanapi and requests failure, built as ckanapi builds it, maps to ours."""

from __future__ import annotations

import ckanapi
import pytest
import requests

from tsunagu.catalogue.ckan import _translate
from tsunagu.errors import (
    CatalogueConflict,
    CatalogueError,
    CatalogueUnavailable,
    DatasetNotFound,
    PermissionDenied,
)

URL = "http://127.0.0.1:5050/api/action/package_create"


def generic(status: int, body: str = "<html>Bad Gateway</html>") -> ckanapi.CKANAPIError:
    return ckanapi.CKANAPIError(repr([URL, status, body]))  # as reverse_apicontroller_action


def http_error(status: int) -> requests.HTTPError:
    response = requests.Response()
    response.status_code = status
    return requests.HTTPError(f"{status} error", response=response)


@pytest.mark.parametrize(
    ("exc", "expected", "code"),
    [
        (ckanapi.NotFound("Not found"), DatasetNotFound, "dataset-not-found"),
        (
            ckanapi.NotAuthorized({"__type": "Authorization Error", "message": "Access denied"}),
            PermissionDenied,
            "permission-denied",
        ),
        (ckanapi.SearchIndexError("Solr down"), CatalogueUnavailable, "catalogue-unavailable"),
        (ckanapi.SearchError("boom"), CatalogueUnavailable, "catalogue-unavailable"),
        (ckanapi.SearchQueryError("bad q"), CatalogueError, "catalogue-query-invalid"),
        (requests.ConnectTimeout("connect"), CatalogueUnavailable, "catalogue-unavailable"),
        (requests.ReadTimeout("read"), CatalogueUnavailable, "catalogue-unavailable"),
        (requests.ConnectionError("reset"), CatalogueUnavailable, "catalogue-unavailable"),
        (
            requests.exceptions.ChunkedEncodingError("cut"),
            CatalogueUnavailable,
            "catalogue-unavailable",
        ),
        (generic(500), CatalogueUnavailable, "catalogue-unavailable"),
        (generic(502), CatalogueUnavailable, "catalogue-unavailable"),
        (generic(503), CatalogueUnavailable, "catalogue-unavailable"),
        (generic(504), CatalogueUnavailable, "catalogue-unavailable"),
        (generic(429), CatalogueUnavailable, "catalogue-unavailable"),
        (generic(408), CatalogueUnavailable, "catalogue-unavailable"),
        (generic(403), PermissionDenied, "permission-denied"),
        (generic(401), PermissionDenied, "permission-denied"),
        (generic(404), DatasetNotFound, "dataset-not-found"),
        (generic(409), CatalogueConflict, "catalogue-conflict"),
        (generic(413), CatalogueError, "catalogue-file-too-large"),
        (generic(400, '"Bad request - JSON Error"'), CatalogueError, "catalogue-error"),
        (
            ckanapi.ServerIncompatibleError(repr([URL, 400, '"GET not allowed"'])),
            CatalogueError,
            "catalogue-error",
        ),
        (http_error(503), CatalogueUnavailable, "catalogue-unavailable"),
        (http_error(404), DatasetNotFound, "dataset-not-found"),
        (http_error(403), PermissionDenied, "permission-denied"),
        (requests.RequestException("odd"), CatalogueError, "catalogue-error"),
    ],
)
def test_translate_maps_every_failure(exc, expected, code):
    error = _translate(exc, "package_create")
    assert type(error) is expected
    assert error.code == code
    assert "package_create" in error.message_en


def test_translate_validation_error_lists_ckan_field_errors():
    exc = ckanapi.ValidationError(
        {
            "__type": "Validation Error",
            "name": ["Must be purely lowercase alphanumeric (ascii) characters"],
            "owner_org": ["Organization does not exist"],
        }
    )
    error = _translate(exc, "package_create")
    assert type(error) is CatalogueConflict
    assert error.message_en == (
        "CKAN package_create refused the data: "
        "name: Must be purely lowercase alphanumeric (ascii) characters; "
        "owner_org: Organization does not exist"
    )
    assert "owner_org: Organization does not exist" in error.message_ja


def test_translate_keeps_html_bodies_out_of_the_user_message():
    error = _translate(generic(502, "<html><b>secret upstream page</b></html>"), "package_show")
    assert "secret" not in error.user_message
    assert "secret" in (error.detail or "")
