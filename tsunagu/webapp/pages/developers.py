"""The developer portal: ``/developers`` (which API for what, copy-paste examples for a chosen
dataset, rate limits, licence and attribution) and ``/developers/reference`` (the interactive
reference, Swagger UI from npm served by the app, rendered from ``/api/openapi.json``).

The examples are built here as plain text for one dataset and the site's own absolute URLs, so
what a developer copies runs as it is; tests run the Python ones against a served app. The page
is linked from every footer and from each dataset page (``?dataset=<id>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template, request, url_for

from tsunagu.webapp.context import web

bp = Blueprint("developers", __name__)


@dataclass(frozen=True)
class Example:
    key: str  # stable id (anchor, tests)
    label: str  # shown as the heading (tool names are not translated)
    language: str  # for the <code class="language-…">
    code: str
    needs_geo: bool = False


def examples(site: str, dataset_id: str, *, geo: bool) -> list[Example]:
    """Copy-paste examples for ``dataset_id`` on the site at ``site`` (no trailing slash)."""
    api = f"{site}/api/v1/datasets/{dataset_id}"
    found = [
        Example(
            "curl",
            "curl",
            "sh",
            f'curl "{api}/rows?limit=5"\n'
            f'curl -H "Accept: application/ld+json" "{api}"   # DCAT JSON-LD\n'
            f'curl -o {dataset_id}.csv "{api}/rows.csv"',
        ),
        Example(
            "python-requests",
            "Python (requests)",
            "python",
            "import requests\n\n"
            f'url = "{api}/rows"\n'
            'params = {"limit": 1000}\n'
            "rows = []\n"
            "while url:  # follow `next` until the last page\n"
            "    page = requests.get(url, params=params, timeout=30).json()\n"
            '    rows += page["rows"]\n'
            '    url, params = page["next"], None\n'
            'print(len(rows), "rows")',
        ),
        Example(
            "python-ckanapi",
            "Python (ckanapi)",
            "python",
            "from ckanapi import RemoteCKAN\n\n"
            f'site = RemoteCKAN("{site}")\n'
            f'package = site.action.package_show(id="{dataset_id}")\n'
            'for resource in package["resources"]:\n'
            '    print(resource["format"], resource["url"])',
        ),
        Example(
            "javascript-fetch",
            "JavaScript (fetch)",
            "javascript",
            f'const response = await fetch("{api}/rows?limit=100");\n'
            "const page = await response.json();\n"
            "console.log(page.total, page.fields);\n"
            "console.table(page.rows);",
        ),
    ]
    if geo:
        found += [
            Example(
                "python-owslib",
                "Python (OWSLib, OGC API – Features)",
                "python",
                "from owslib.ogcapi.features import Features\n\n"
                f'api = Features("{site}/ogc")\n'
                f'items = api.collection_items("{dataset_id}", limit=100)\n'
                'print(len(items["features"]), "features")',
                needs_geo=True,
            ),
            Example(
                "geojson",
                "GeoJSON (curl)",
                "sh",
                f'curl "{api}/features?bbox=139.9,35.8,140.1,35.95&limit=500"',
                needs_geo=True,
            ),
        ]
    return found


def _dataset_choice(records: list[Any]) -> Any | None:
    """The dataset asked for (``?dataset=``), else the first with map features, else any."""
    from tsunagu.maps.layers import geojson_key

    wanted = request.args.get("dataset")
    if wanted:
        return web().catalogue.get_dataset(wanted)  # DatasetNotFound → 404 page
    with_geo = [r for r in records if geojson_key(r) is not None]
    return (with_geo or records or [None])[0]


def _rate_text(rate: str) -> tuple[str, str]:
    """``600/minute`` → (count, period) for the sentence on the page."""
    count, _, period = rate.partition("/")
    return count.strip(), period.strip() or "minute"


@bp.get("/developers")
def portal() -> str:
    from tsunagu.maps.layers import geojson_key
    from tsunagu.webapp.i18n import current_lang
    from tsunagu.webapp.licences import credit_line, licence
    from tsunagu.webapp.pages.site import site_title

    records = sorted(web().catalogue.search("", rows=10_000).results, key=lambda r: r.meta.id)
    chosen = _dataset_choice(records)
    site = url_for("catalogue.home", _external=True).rstrip("/")
    lang = current_lang()
    context: dict[str, Any] = {"records": records, "chosen": chosen, "site": site}
    if chosen is not None:
        meta = chosen.meta
        geo = geojson_key(chosen) is not None
        title = meta.title_en if lang == "en" and meta.title_en else meta.title_ja
        context.update(
            geo=geo,
            examples=examples(site, meta.id, geo=geo),
            licence=licence(meta.licence),
            credit=credit_line(
                lang=lang,
                publisher=site_title(lang),
                title=title,
                page_url=url_for("catalogue.dataset", dataset_id=meta.id, _external=True),
                licence_id=meta.licence,
            ),
            chosen_title=title,
        )
    count, period = _rate_text(web().settings.api_rate)
    context.update(rate_count=count, rate_period=period, rate=web().settings.api_rate)
    return render_template("developers.html", **context)


@bp.get("/developers/reference")
def reference() -> str:
    return render_template("developers_reference.html")
