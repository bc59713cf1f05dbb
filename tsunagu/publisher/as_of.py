"""The 「データ時点」 a dataset is published with: the manifest's ``data_as_of:``, else the day its
file's title row states (「…（令和6年4月1日現在）」), else none.

The manifest states it on purpose, so it wins over a title a department forgot to update. The
manifest module only keeps the text (it sits below the normalize room); the day is read here,
with the errors naming the manifest and the field as the manifest's own errors do.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from tsunagu.errors import ManifestError
from tsunagu.manifest import Manifest
from tsunagu.model import Draft
from tsunagu.normalize.as_of import as_of_in_titles, parse_day


def manifest_as_of(manifest: Manifest) -> date | None:
    """The manifest's ``data_as_of:`` as a day; a text naming no real day is a ManifestError."""
    if manifest.data_as_of is None:
        return None
    day = parse_day(manifest.data_as_of)
    if day is None:
        raise ManifestError(
            f"{manifest.path}: field 'data_as_of': \"{manifest.data_as_of}\" is not a date "
            "(write 2024-04-01 or 令和6年4月1日)",
            message_ja=f"{manifest.path} の項目「data_as_of」: 「{manifest.data_as_of}」は"
            "日付として読めません（2024-04-01 や 令和6年4月1日 のように書いてください）",
        )
    return day


def title_as_of(drafts: Iterable[Draft]) -> date | None:
    """The first day a file's title rows state, in the manifest's source order."""
    for draft in drafts:
        rows = draft.report.facts.get("title_rows") or []
        found = as_of_in_titles(str(row.get("text", "")) for row in rows)
        if found is not None:
            return found
    return None


def file_as_of(draft: Draft) -> date | None:
    """One file's day: its manifest's ``data_as_of:`` (a bad one is refused where the manifest
    is checked, :func:`manifest_as_of`), else its own title rows'."""
    written = getattr(draft.manifest, "data_as_of", None)
    return (parse_day(written) if written else None) or title_as_of([draft])


def data_as_of(manifest: Manifest, drafts: Iterable[Draft]) -> str:
    """ISO day for the catalogue, or "" when neither the manifest nor a title states one."""
    day = manifest_as_of(manifest) or title_as_of(drafts)
    return day.isoformat() if day else ""
