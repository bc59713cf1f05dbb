"""What a request may reach: the settings and the catalogue, held on the app, not in globals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app

from tsunagu.catalogue.base import Catalogue
from tsunagu.config import Settings
from tsunagu.errors import DatasetNotFound


@dataclass(frozen=True)
class WebContext:
    settings: Settings
    catalogue: Catalogue


def web() -> WebContext:
    return current_app.extensions["tsunagu"]


def published_file(
    dataset_id: str, key_of: Callable[[Any], str | None], code: str, what: str, what_ja: str
) -> tuple[Path, str]:
    """The stored file ``key_of(record)`` of a dataset and its checksum, for the APIs that
    load published files (every catalogue is a :class:`~tsunagu.catalogue.base.FileSource`;
    CKAN's files come from its local cache); ``DatasetNotFound`` (404) when the dataset or the
    file is missing."""
    catalogue = web().catalogue
    record = catalogue.get_dataset(dataset_id)  # DatasetNotFound → 404
    key = key_of(record)
    if key is None:
        raise DatasetNotFound(
            f"dataset {dataset_id!r} has no {what} in this catalogue",
            message_ja=f"データセット「{dataset_id}」には{what_ja}がありません",
            code=code,
        )
    path, info = catalogue.open_file(dataset_id, key)
    return path, info["sha256"]
