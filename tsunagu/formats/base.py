"""What every reader is: a sniffable format that turns one file into a :class:`Draft`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol

if TYPE_CHECKING:
    from tsunagu.config import Settings
    from tsunagu.model import Draft


@dataclass(frozen=True)
class ReadOptions:
    """Per-source choices from the manifest or the CLI; ``None`` means detect."""

    sheet: str | None = None  # Excel sheet name (default: first visible sheet)
    header_row: int | None = None  # 1-based header row (default: detected, title rows skipped)
    encoding: str | None = None  # force a text encoding (default: detected)
    layer: str | None = None  # GeoPackage layer
    crs: str | None = None  # CRS for GIS files that carry none (e.g. "EPSG:6677")
    display_name: str | None = None  # name shown in messages (uploads are stored under an id)


class Reader(Protocol):
    """A format reader. ``read`` raises :class:`~tsunagu.errors.FormatError` (carrying a
    Problem) when the file cannot be read at all; anything less goes into the Draft's report."""

    name: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]]

    def sniff(self, head: bytes, path: Path) -> bool: ...

    def read(self, path: Path, options: ReadOptions, settings: Settings) -> Draft: ...


class Writer(Protocol):
    """An output format. ``write`` puts ``<stem>.<ext>`` (or a fixed name such as
    ``datapackage.json``) into ``out_dir`` and returns its path. Writers run after validation,
    on the normalized table; ``draft.artifacts`` holds what earlier writers produced (the Data
    Package writer describes them), ``draft.manifest`` the dataset's manifest."""

    name: ClassVar[str]

    def write(self, draft: Draft, out_dir: Path, settings: Settings, *, stem: str) -> Path: ...
