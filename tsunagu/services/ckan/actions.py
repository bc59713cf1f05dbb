"""CKAN action functions over any Catalogue — no Flask here, so they are tested without a request.

Each action takes an :class:`ActionContext` and the request's parameters and returns what CKAN
2.12 puts in ``result``. Field names, defaults and error classes were measured against a real
CKAN 2.12 (../shared/ckan-local), and the package dict is built from the same
:func:`~tsunagu.catalogue.ckan_mapping.package_fields` the CKAN publisher writes, so a client sees
the same dataset whether the city runs the embedded catalogue or a real CKAN.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tsunagu.catalogue.base import DatasetRecord, is_tabular
from tsunagu.catalogue.ckan_mapping import package_fields
from tsunagu.errors import DatasetNotFound, TsunaguError
from tsunagu.services.ckan import datastore as dsq
from tsunagu.services.ckan import shapes
from tsunagu.services.ckan.datastore import TypedTable
from tsunagu.services.ckan.search import SearchQuery, run_search
from tsunagu.services.request_input import BadRequestInput, bounded_int, strict_json

CKAN_VERSION = "2.12.0"


@dataclass(frozen=True)
class ActionContext:
    """What an action may reach: the catalogue and the public base URL of this site."""

    catalogue: Any  # tsunagu.catalogue.base.Catalogue
    base_url: str
    site_title: str = ""
    #: ``(dataset id, resource key) → TypedTable``: the loaded rows of a tabular resource
    tables: Callable[[str, str], TypedTable] | None = None


class ActionError(TsunaguError):
    """An answer CKAN gives as ``{"success": false, "error": {...}}``."""

    http_status = 400
    ckan_type = "Bad Request"

    def error_dict(self) -> dict[str, Any]:
        return {"__type": self.ckan_type, "message": self.message_en}


class ActionNotFound(ActionError):
    http_status = 404
    ckan_type = "Not Found Error"
    code = "ckan-not-found"

    def __init__(self) -> None:
        super().__init__("Not found")


class ResourceNotFound(ActionNotFound):
    """CKAN's DataStore words its 404 with the resource id."""

    def __init__(self, resource_id: str) -> None:
        ActionError.__init__(self, f'Not found: Resource "{resource_id}" was not found.')


class ActionForbidden(ActionError):
    http_status = 403
    ckan_type = "Authorization Error"
    code = "ckan-not-authorized"


class ActionValidationError(ActionError):
    """CKAN's 409: field name → list of messages."""

    http_status = 409
    ckan_type = "Validation Error"
    code = "ckan-validation-error"

    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items()))
        self.fields = fields

    def error_dict(self) -> dict[str, Any]:
        return {**self.fields, "__type": self.ckan_type}


class SearchQueryError(ActionError):
    ckan_type = "Search Query Error"
    code = "ckan-search-query-error"

    def __init__(self, reason: str) -> None:
        super().__init__(f"Search Query is invalid: {reason!r}")


class UnknownAction(ActionError):
    """CKAN answers an unknown action with a bare JSON string, not the envelope."""

    code = "ckan-unknown-action"

    def __init__(self, name: str) -> None:
        super().__init__(f"Bad request: Action name not known: {name}")


# -- parameters --------------------------------------------------------------------------------
def integer(params: dict[str, Any], name: str, default: int) -> int:
    """CKAN's ``int_validator`` with its exact messages."""
    value = params.get(name, default)
    if value in ("", None):
        return default
    try:  # bounded: 1e400, Infinity or 23 digits are "Invalid integer", not an OverflowError
        return bounded_int(value)
    except (TypeError, ValueError):
        raise ActionValidationError(
            {name: ["Invalid integer", "Please enter an integer value"]}
        ) from None


def natural(params: dict[str, Any], name: str, default: int) -> int:
    """CKAN's ``natural_number_validator`` with its exact messages."""
    number = integer(params, name, default)
    if number < 0:
        raise ActionValidationError({name: ["Must be a natural number"]})
    return number


def boolean(params: dict[str, Any], name: str, default: bool = False) -> bool:
    value = params.get(name, default)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "on")
    return bool(value)


def json_list(params: dict[str, Any], name: str) -> list[str] | None:
    """A list given as JSON text (GET) or as a real list (POST body), like CKAN accepts."""
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, list):
        return [str(v) for v in value]
    try:
        parsed = strict_json(str(value), name)
    except BadRequestInput:
        raise ActionValidationError(
            {name: ["Could not parse as valid JSON", "Not a list"]}
        ) from None
    if not isinstance(parsed, list):
        raise ActionValidationError({name: ["Not a list"]})
    return [str(v) for v in parsed]


def required_id(params: dict[str, Any], field: str = "id") -> str:
    value = params.get("id") or params.get("name_or_id")
    if not value:
        raise ActionValidationError({field: ["Missing value"]})
    return str(value)


# -- reading the catalogue ---------------------------------------------------------------------
def all_records(catalogue: Any, q: str = "") -> list[DatasetRecord]:
    """Every public dataset matching ``q``, paging through the catalogue's own search."""
    found: list[DatasetRecord] = []
    while True:
        page = catalogue.search(q, start=len(found), rows=1000)
        found.extend(page.results)
        if not page.results or len(found) >= page.count:
            return found


def _public(ctx: ActionContext, dataset_id: str) -> DatasetRecord:
    try:
        record = ctx.catalogue.get_dataset(dataset_id)
    except DatasetNotFound:
        raise ActionNotFound from None
    if record.private:  # CKAN answers an anonymous read of a private dataset with 403
        raise ActionForbidden(f"Access denied: User  not authorized to read package {dataset_id}")
    return record


def _package(ctx: ActionContext, record: DatasetRecord) -> dict[str, Any]:
    versions = ctx.catalogue.list_versions(record.meta.id)
    return shapes.package_dict(record, versions, ctx.base_url)


def _packages(ctx: ActionContext, records: list[DatasetRecord]) -> list[dict[str, Any]]:
    """Package dicts of many records, their versions read at once (not one query each)."""
    versions = ctx.catalogue.versions_of([r.meta.id for r in records])
    return [shapes.package_dict(r, versions.get(r.meta.id, []), ctx.base_url) for r in records]


# -- actions -----------------------------------------------------------------------------------
def status_show(ctx: ActionContext, params: dict[str, Any]) -> dict[str, Any]:
    """Site title, URL and the CKAN version this API mirrors."""
    return {
        "site_title": ctx.site_title,
        "site_description": "",
        "site_url": ctx.base_url,
        "error_emails_to": None,
        "locale_default": "ja",
        "extensions": [],
        "ckan_version": CKAN_VERSION,
    }


def package_list(ctx: ActionContext, params: dict[str, Any]) -> list[str]:
    """Names of all public datasets, sorted; ``limit`` and ``offset`` page them."""
    names = sorted(r.meta.id for r in all_records(ctx.catalogue))
    offset = natural(params, "offset", 0)
    limit = natural(params, "limit", len(names))
    return names[offset : offset + limit]


def package_show(ctx: ActionContext, params: dict[str, Any]) -> dict[str, Any]:
    """One dataset by ``id`` (its name); 404 Not Found Error when there is none."""
    return _package(ctx, _public(ctx, required_id(params, "name_or_id")))


def package_search(ctx: ActionContext, params: dict[str, Any]) -> dict[str, Any]:
    """Search datasets: ``q``, ``fq``, ``rows`` (≤ 1000), ``start``, ``sort``, ``facet.field``."""
    facet_fields = json_list(params, "facet.field")
    try:
        query = SearchQuery.parse(
            q=str(params.get("q") or ""),
            fq=str(params.get("fq") or ""),
            sort=str(params.get("sort") or ""),
            rows=natural(params, "rows", 10),
            start=natural(params, "start", 0),
            facet_fields=facet_fields or [],
            facet_limit=integer(params, "facet.limit", 50),
        )
    except ValueError as exc:
        raise SearchQueryError(str(exc)) from None
    result = run_search(all_records(ctx.catalogue, query.text), query)
    result["results"] = _packages(ctx, result["results"])
    return result


def organization_list(ctx: ActionContext, params: dict[str, Any]) -> list[Any]:
    """Organisation names, or dicts with ``all_fields``; ``sort``, ``limit``, ``offset``."""
    orgs = shapes.organizations(all_records(ctx.catalogue))
    wanted = json_list(params, "organizations")
    if wanted:
        orgs = [o for o in orgs if o["name"] in wanted]
    field, _, direction = str(params.get("sort") or "name asc").partition(" ")
    if field not in ("name", "title", "package_count"):
        raise ActionValidationError({"sort": [f"Cannot sort by field `{field}`"]})
    orgs.sort(key=lambda o: o[field], reverse=direction.strip() == "desc")
    offset = natural(params, "offset", 0)
    orgs = orgs[offset : offset + natural(params, "limit", 1000)]
    if boolean(params, "all_fields"):
        return orgs
    return [o["name"] for o in orgs]


def organization_show(ctx: ActionContext, params: dict[str, Any]) -> dict[str, Any]:
    """One organisation by ``id``; its datasets with ``include_datasets``."""
    wanted = required_id(params)
    records = all_records(ctx.catalogue)
    org = next((o for o in shapes.organizations(records) if wanted == o["name"]), None)
    if org is None:
        raise ActionNotFound
    org = {**org, "users": [], "extras": [], "groups": [], "tags": []}
    if boolean(params, "include_datasets"):
        mine = [r for r in records if r.meta.organisation == org["name"]]
        org["packages"] = _packages(ctx, mine[:1000])
    return org


def resource_show(ctx: ActionContext, params: dict[str, Any]) -> dict[str, Any]:
    """One resource by ``id``, with its absolute download ``url``."""
    wanted = required_id(params)
    for record in all_records(ctx.catalogue):
        for resource in record.resources:
            if resource.id == wanted:
                return next(r for r in _package(ctx, record)["resources"] if r["id"] == wanted)
    raise ActionNotFound


def datastore_search(ctx: ActionContext, params: dict[str, Any]) -> dict[str, Any]:
    """Rows of a tabular resource: ``resource_id``, ``filters``, ``q``, ``sort``, ``fields``,
    ``limit`` (≤ 32000), ``offset``, ``include_total``, ``records_format``, ``distinct``.

    Served from the rows store, typed by the file's Table Schema as the CKAN DataStore is;
    how ``q`` differs from CKAN's is in :mod:`tsunagu.services.ckan.datastore`."""
    resource_id = str(params.get("resource_id") or "")
    if not resource_id:
        raise ActionValidationError({"resource_id": ["Missing value"]})
    found = next(
        (
            (record, resource)
            for record in all_records(ctx.catalogue)
            for resource in record.resources
            if resource.id == resource_id and is_tabular(resource)
        ),
        None,
    )
    if found is None or ctx.tables is None:
        raise ResourceNotFound(resource_id)
    typed = ctx.tables(found[0].meta.id, found[1].key)
    try:
        query = dsq.parse(params, typed)
        records, total, names = dsq.search(typed, query)
    except dsq.DatastoreQueryInvalid as exc:
        raise ActionValidationError(exc.fields) from None
    result: dict[str, Any] = {"include_next_page": False, "include_total": query.include_total}
    result["limit"] = query.limit
    for echoed in ("offset", "q", "sort", "distinct"):
        if echoed in params:
            result[echoed] = params[echoed]
    if query.filters:
        raw = dsq.json_param(params, "filters")
        result["filters"] = raw
        result["filterops"] = dsq.filterops(query.filters, raw)
    result.update(records_format=query.records_format, resource_id=resource_id)
    result["records"] = records
    result["fields"] = dsq.fields_out(typed, names)
    if query.include_total:
        result["total"] = total
    return result


def tag_list(ctx: ActionContext, params: dict[str, Any]) -> list[Any]:
    """Tags of the public datasets, sorted; ``query`` keeps those containing it (any case),
    ``all_fields`` gives dicts. There are no tag vocabularies, so a ``vocabulary_id`` is 404."""
    if params.get("vocabulary_id"):
        raise ActionNotFound
    names = sorted(
        {
            tag["name"]
            for record in all_records(ctx.catalogue)
            for tag in package_fields(record.meta)["tags"]
        }
    )
    query = str(params.get("query") or params.get("q") or "").casefold()
    names = [name for name in names if query in name.casefold()]
    if boolean(params, "all_fields"):
        return [{k: v for k, v in shapes.tag_dict(name).items() if k != "state"} for name in names]
    return names


def help_show(ctx: ActionContext, params: dict[str, Any]) -> str:
    """The documentation of an action, which every envelope's ``help`` link points at."""
    name = str(params.get("name") or "")
    if name not in ACTIONS:
        raise ActionNotFound
    return (ACTIONS[name].__doc__ or name).strip()


ACTIONS: dict[str, Callable[[ActionContext, dict[str, Any]], Any]] = {
    "help_show": help_show,
    "status_show": status_show,
    "package_list": package_list,
    "package_show": package_show,
    "package_search": package_search,
    "organization_list": organization_list,
    "organization_show": organization_show,
    "resource_show": resource_show,
    "datastore_search": datastore_search,
    "tag_list": tag_list,
}


def call_action(name: str, ctx: ActionContext, params: dict[str, Any]) -> Any:
    """Run one action by name; raises :class:`ActionError` for every answer that is not a result."""
    action = ACTIONS.get(name)
    if action is None:
        raise UnknownAction(name)
    return action(ctx, params)
