"""What a request may reach: the settings and the catalogue, held on the app, not in globals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

from tsunagu.config import Settings


@dataclass(frozen=True)
class WebContext:
    settings: Settings
    catalogue: Any  # tsunagu.catalogue.base.Catalogue


def web() -> WebContext:
    return current_app.extensions["tsunagu"]
