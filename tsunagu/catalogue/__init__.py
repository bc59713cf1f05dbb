"""Catalogues: where datasets are published (written by the publisher, read by the web app).

``open_catalogue(settings)`` picks the implementation by name through a registry; ckanapi is
imported only by :mod:`tsunagu.catalogue.ckan`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tsunagu.registry import Registry

if TYPE_CHECKING:
    from tsunagu.catalogue.base import Catalogue
    from tsunagu.config import Settings

CATALOGUES = Registry(
    "catalogue",
    {
        "local": "tsunagu.catalogue.local:LocalCatalogue",
        "ckan": "tsunagu.catalogue.ckan:CkanCatalogue",
    },
)


def open_catalogue(settings: Settings, name: str | None = None) -> Catalogue:
    return CATALOGUES.load(name or settings.catalogue).from_settings(settings)
