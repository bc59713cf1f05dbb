"""Catalogue pages: home, search with facets, dataset pages, departments, downloads."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_file,
    url_for,
)

from tsunagu.catalogue.base import DatasetRecord
from tsunagu.errors import DatasetNotFound
from tsunagu.services.dataset_view import excel_csv_chunks, is_overdue, next_due, preview
from tsunagu.services.request_input import bounded_int
from tsunagu.webapp.context import web

bp = Blueprint("catalogue", __name__)
PER_PAGE = 20
FACETS = ("organization", "kind", "standard", "res_format", "tags")


def _page_number() -> int:
    try:
        return max(1, bounded_int(request.args.get("page", "1"), highest=10**9))
    except ValueError:
        abort(400, description="page must be a positive whole number")


def _titles(records: Iterable[DatasetRecord]) -> dict[str, str]:
    """Display names for facet values (department and standard slugs) in the current language."""
    from flask_babel import gettext

    from tsunagu.webapp.dataset_facts import tag_label
    from tsunagu.webapp.i18n import current_lang
    from tsunagu.webapp.pages.site import _standard_name

    en = current_lang() == "en"
    titles: dict[str, str] = {
        "own-schema": gettext("独自スキーマ"),
        "documents": gettext("文書"),
        "standard": gettext("標準データセット"),
    }
    for record in records:
        meta = record.meta
        titles[meta.organisation] = (
            meta.organisation_title_en
            if en and meta.organisation_title_en
            else meta.organisation_title_ja
        )
        titles[meta.standard] = _standard_name(meta) if en else meta.standard_title or meta.standard
        for tag in meta.tags:
            titles.setdefault(tag, tag_label(tag, "en" if en else "ja"))
    return titles


@bp.app_context_processor
def _globals() -> dict:
    return {
        "site_title": web().settings.site_title,
        "endpoints": {rule.endpoint for rule in current_app.url_map.iter_rules()},
        "resource_link": resource_link,
    }


@bp.app_template_filter("reject_key")
def _reject_key(mapping: dict, key: str) -> dict:
    return {k: v for k, v in mapping.items() if k != key}


@bp.get("/")
def home() -> str:
    everything = web().catalogue.search("", rows=10_000)
    titles = _titles(everything.results)
    return render_template(
        "home.html",
        page=everything,
        recent=everything.results[:6],
        org_titles=titles,
        std_titles=titles,
    )


@bp.get("/datasets")
def datasets() -> str:
    from tsunagu.catalogue.base import SearchPage
    from tsunagu.webapp.blocked import blocked_matching
    from tsunagu.webapp.i18n import current_lang
    from tsunagu.webapp.ranking import SORTS, default_sort, ordered

    q = request.args.get("q", "")[:200]
    filters = {name: request.args[name] for name in FACETS if request.args.get(name)}
    number = _page_number()
    sort = request.args.get("sort", "")
    sort = sort if sort in SORTS else default_sort(q)
    found = web().catalogue.search(q, filters, rows=10_000)  # every match, then ordered here
    results = ordered(found.results, q, sort, current_lang())
    start = (number - 1) * PER_PAGE
    page = SearchPage(tuple(results[start : start + PER_PAGE]), found.count, found.facets)
    pages = max(1, -(-page.count // PER_PAGE))
    everything = web().catalogue.search("", rows=10_000).results
    titles = _titles(everything)
    settings = web().settings
    blocked = blocked_matching(
        q, settings.data_dir, settings.datasets_dir, {r.meta.id for r in everything}
    )
    return render_template(
        "datasets.html",
        page=page,
        q=q,
        filters=filters,
        number=number,
        pages=pages,
        titles=titles,
        sort=sort,
        sorts=list(SORTS),
        blocked=blocked,
    )


@bp.get("/datasets/<dataset_id>")
def dataset(dataset_id: str) -> str:
    catalogue = web().catalogue
    record = catalogue.get_dataset(dataset_id)
    versions = catalogue.list_versions(dataset_id)
    header: list[str] = []
    rows: list[list[str]] = []
    if any(r.key == "csv" for r in record.resources):
        header, rows = preview(catalogue.open_file(dataset_id, "csv")[0])
    return render_template(
        "dataset.html",
        record=record,
        versions=versions,
        header=header,
        rows=rows,
        overdue=is_overdue(record.meta.update_frequency, record.modified),
        due=next_due(record.meta.update_frequency, record.modified),
        has_geojson=any(r.key == "geojson" for r in record.resources),
        **_dataset_facts(record),
    )


def _dataset_facts(record: DatasetRecord) -> dict[str, Any]:
    """Licence, credit line, data as of, contact, names in the page's language, feeds, related
    datasets (issue 13)."""
    from tsunagu.webapp.dataset_facts import (
        as_of_label,
        contact_view,
        frequency_label,
        related,
        scheduled_update,
        standard_label,
    )
    from tsunagu.webapp.i18n import current_lang
    from tsunagu.webapp.licences import credit_line, licence
    from tsunagu.webapp.pages.site import site_title

    lang = current_lang()
    meta = record.meta
    settings = web().settings
    title = meta.title_en if lang == "en" and meta.title_en else meta.title_ja
    page_url = url_for("catalogue.dataset", dataset_id=meta.id, _external=True)
    extra: dict[str, Any] = {"lang": "en"} if lang == "en" else {}
    feed_title = f"{title}（更新情報）" if lang != "en" else f"{title}: updates"
    description = (
        meta.description_en if lang == "en" and meta.description_en else meta.description_ja
    )
    everything = web().catalogue.search("", rows=10_000).results
    return {
        "licence": licence(meta.licence),
        "credit": credit_line(
            lang=lang,
            publisher=site_title(lang),
            title=title,
            page_url=page_url,
            licence_id=meta.licence,
        ),
        "frequency": frequency_label(meta.update_frequency, lang),
        "as_of": as_of_label(meta.data_as_of, lang) if meta.data_as_of else "",
        "contact": contact_view(meta.contact, lang),
        "scheduled": scheduled_update(meta.update_frequency, record.modified),
        "standard_name": standard_label(
            meta.standard, meta.standard_title, lang, settings.schemas_dir
        ),
        "related": related(record, everything),
        "og_title": title,
        "og_type": "article",
        "og_description": description,
        "feed_links": [
            {
                "type": "application/atom+xml",
                "title": f"{feed_title} (Atom)",
                "href": url_for("feed_api.changes_atom", dataset=meta.id, **extra),
            },
            {
                "type": "application/feed+json",
                "title": f"{feed_title} (JSON Feed)",
                "href": url_for("feed_api.changes_json", dataset=meta.id, **extra),
            },
        ],
    }


@bp.get("/organisations")
def organisations() -> str:
    page = web().catalogue.search("", rows=10_000)
    counts = dict(page.facets.get("organization", {}))
    titles = _titles(page.results)
    for slug, title in _recorded_departments().items():
        counts.setdefault(slug, 0)
        titles.setdefault(slug, title)
    return render_template("organisations.html", counts=counts, titles=titles)


@bp.get("/organisations/<org_id>")
def organisation(org_id: str) -> str:
    page = web().catalogue.search("", {"organization": org_id}, rows=10_000)
    titles = _titles(page.results)
    if not page.count:
        recorded = _recorded_departments()
        if org_id not in recorded:
            raise DatasetNotFound(
                f"no department {org_id!r}", message_ja=f"部署「{org_id}」はありません"
            )
        titles[org_id] = recorded[org_id]
    return render_template("organisation.html", page=page, org_id=org_id, titles=titles)


def _recorded_departments() -> dict[str, str]:
    """Departments the audit log names, with their title in the current language. A department
    whose every attempt was blocked has nothing in the catalogue, yet it is the one that most
    needs its page and its to-do list (the blocked uploads), so the log makes it exist."""
    from tsunagu.webapp.i18n import current_lang
    from tsunagu.webapp.pages.dashboard import recorded_departments

    en = current_lang() == "en"
    return {
        slug: (title.get("en") if en and title.get("en") else title.get("ja")) or slug
        for slug, title in recorded_departments(web().settings).items()
    }


@bp.get("/datasets/<dataset_id>/resources/<key>/<name>")
def download(dataset_id: str, key: str, name: str) -> Response:
    return _send(dataset_id, key, None)


@bp.get("/datasets/<dataset_id>/versions/<int(max=2147483647):version>/<key>/<name>")
def download_version(dataset_id: str, version: int, key: str, name: str) -> Response:
    return _send(dataset_id, key, version)


def _send(dataset_id: str, key: str, version: int | None) -> Response:
    path, info = web().catalogue.open_file(dataset_id, key, version)  # CKAN's: from the cache
    if request.args.get("for") == "excel" and info["format"] == "CSV":
        name = info["name"].removesuffix(".csv") + "-excel.csv"
        return Response(
            excel_csv_chunks(path),
            mimetype="text/csv; charset=utf-8",
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{_quote(name)}"},
        )
    inline = info["mediatype"] == "text/html"
    return send_file(
        path,
        mimetype=info["mediatype"],
        as_attachment=not inline,
        download_name=info["name"],
        etag=info["sha256"],
        conditional=True,
    )


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


def resource_link(
    dataset_id: str, key: str, name: str, version: int | None = None, **args: Any
) -> str:
    if version is None:
        return url_for("catalogue.download", dataset_id=dataset_id, key=key, name=name, **args)
    return url_for(
        "catalogue.download_version",
        dataset_id=dataset_id,
        version=version,
        key=key,
        name=name,
        **args,
    )
