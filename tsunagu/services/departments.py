"""A department keeping its own datasets: what it has, their state, and updates that keep
everything the dataset already knows.

Flask-free (house style §3.2e). The bug this answers (issue 14): a re-upload wrote a fresh
manifest, so version 2 lost the saved column mapping (five columns dropped from every row) and
took the form's description and tags over the published ones. Here an update starts from the
saved manifest (the last published upload's, else the one under ``datasets/``), and the form only
overrides a field the user actually changed from the pre-filled value.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from tsunagu.errors import PermissionDenied

#: Form fields → where they live in the manifest (a dotted path).
FORM_FIELDS: dict[str, str] = {
    "title_ja": "title.ja",
    "title_en": "title.en",
    "description_ja": "description.ja",
    "description_en": "description.en",
    "standard": "standard",
    "licence": "licence",
    "update_frequency": "update_frequency",
    "tags": "tags",
}


@dataclass(frozen=True)
class DatasetStatus:
    """One row of "My datasets"."""

    dataset_id: str
    title_ja: str
    title_en: str
    update_frequency: str
    licence: str
    version: int | None
    last_updated: str
    published: bool
    blocked: bool
    freshness: str  # on_time | due | overdue | unscheduled
    expected: str  # the next expected update (ISO date) or ""
    days_overdue: int

    @property
    def overdue(self) -> bool:
        return self.freshness == "overdue"


def dataset_status(record: Any, versions: list[Any], now: datetime) -> DatasetStatus:
    """Published/blocked and overdue against the update frequency (the dashboard's rule)."""
    from tsunagu.indicators.compute import freshness_of, parse_instant

    last = versions[0].created if versions else record.modified
    freshness, expected, late = freshness_of(record.meta.update_frequency, parse_instant(last), now)
    meta = record.meta
    return DatasetStatus(
        dataset_id=meta.id,
        title_ja=meta.title_ja,
        title_en=meta.title_en,
        update_frequency=meta.update_frequency,
        licence=meta.licence,
        version=record.version,
        last_updated=str(last)[:10],
        published=not record.private,
        blocked=not meta.valid,
        freshness=freshness,
        expected=expected.isoformat() if expected else "",
        days_overdue=late,
    )


def department_datasets(catalogue: Any, department: str, now: datetime) -> list[DatasetStatus]:
    """The department's datasets in the catalogue, most overdue first."""
    page = catalogue.search(filters={"organization": department}, rows=10_000)
    records = list(page.results)
    versions = catalogue.versions_of([r.meta.id for r in records]) if records else {}
    rows = [dataset_status(r, versions.get(r.meta.id, []), now) for r in records]
    return sorted(rows, key=lambda s: (-s.days_overdue, s.dataset_id))


def check_owner(catalogue: Any, dataset_id: str, department: str) -> bool:
    """True when ``dataset_id`` is the department's own (an update), False when it is new.

    Raises :class:`PermissionDenied` (ja/en) when another department owns it, so the refusal
    comes when the upload starts, not as a bare 403 at publish.
    """
    from tsunagu.errors import DatasetNotFound

    try:
        existing = catalogue.get_dataset(dataset_id)
    except DatasetNotFound:
        return False
    if existing.meta.organisation != department:
        raise PermissionDenied(
            f"dataset {dataset_id!r} belongs to another department; choose one of your own "
            "datasets or a new id",
            message_ja=f"データセット「{dataset_id}」は他の部署のものです。"
            "自分の部署のデータセットを選ぶか、新しいIDにしてください",
            code="other-department",
        )
    return True


@dataclass(frozen=True)
class SavedSource:
    """One file of a dataset as last published: its key, where its file is, the name shown."""

    key: str
    path: Path
    name: str


@dataclass(frozen=True)
class SavedDataset:
    """The manifest the dataset was last published with (source paths absolute) and its files.

    An update of a dataset with several files starts from this: each file the department
    uploads replaces one source, and every other source keeps its published file.
    """

    manifest: dict[str, Any]
    sources: tuple[SavedSource, ...]


def source_key(entry: Any, index: int) -> str:
    """A source's key as the manifest reader gives it (``main``, then ``part2``, ``part3``)."""
    if isinstance(entry, dict) and entry.get("key"):
        return str(entry["key"])
    return "main" if index == 0 else f"part{index + 1}"


def saved_dataset(dataset_id: str, uploads_root: Path, datasets_dir: Path) -> SavedDataset | None:
    """The dataset as last published (``None`` when unknown).

    The newest published upload of that id wins; otherwise the manifest under ``datasets/``
    (a dataset first published with the CLI). Source paths are made absolute, so an update
    can copy the files it keeps; the names shown are the department's own file names.
    """
    newest: tuple[str, Path, dict[str, Any]] | None = None
    if uploads_root.is_dir():
        for status_path in uploads_root.glob("*/*/status.json"):
            status = json.loads(status_path.read_text(encoding="utf-8"))
            if status.get("dataset_id") == dataset_id and status.get("state") == "published":
                stamp = str(status.get("published", ""))
                if newest is None or stamp > newest[0]:
                    newest = (stamp, status_path.parent / "dataset.yaml", status)
    if newest is not None and newest[1].is_file():
        names = {
            str(s.get("key")): str(s.get("original_name"))
            for s in newest[2].get("sources") or []
            if isinstance(s, dict) and s.get("original_name")
        }
        if not names and newest[2].get("original_name"):
            names = {"main": str(newest[2]["original_name"])}  # an upload of one file
        return _with_sources(_read(newest[1]), newest[1].parent, names)
    if datasets_dir.is_dir():
        from tsunagu.manifest import find_manifests

        for path in find_manifests(datasets_dir):
            data = _read(path)
            if data.get("id") == dataset_id:
                return _with_sources(data, path.parent, {})
    return None


def saved_manifest(
    dataset_id: str, uploads_root: Path, datasets_dir: Path
) -> dict[str, Any] | None:
    """The manifest the dataset was last published with, as a dict (``None`` when unknown)."""
    saved = saved_dataset(dataset_id, uploads_root, datasets_dir)
    return saved.manifest if saved is not None else None


def _with_sources(data: dict[str, Any], folder: Path, names: dict[str, str]) -> SavedDataset:
    raw = data.get("sources", data.get("source"))
    items = raw if isinstance(raw, list) else [] if raw is None else [raw]
    entries = [{"path": item} if isinstance(item, str) else item for item in items]
    data.pop("source", None)
    data["sources"] = [_absolute(e, folder) for e in entries]
    _with_contract(data, folder)
    sources = tuple(
        SavedSource(
            key=source_key(entry, i),
            path=Path(str(entry["path"])),
            name=names.get(source_key(entry, i)) or Path(str(entry["path"])).name,
        )
        for i, entry in enumerate(data["sources"])
        if isinstance(entry, dict) and "path" in entry
    )
    return SavedDataset(data, sources)


def _with_contract(data: dict[str, Any], folder: Path) -> dict[str, Any]:
    """An own schema (``schema: schema.json``) named by its absolute path, so the update's
    upload can take the contract along (:func:`contract_of`): it is the dataset's, not the
    folder's, and the next file is held to it."""
    if data.get("schema"):
        data["schema"] = str(folder / str(data["schema"]))
    return data


def contract_of(manifest: dict[str, Any]) -> Path | None:
    """The own-schema file a saved manifest names (absolute, from :func:`saved_manifest`)."""
    raw = manifest.get("schema")
    path = Path(str(raw)) if raw else None
    return path if path is not None and path.is_absolute() and path.is_file() else None


def _read(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def _absolute(source: Any, folder: Path) -> Any:
    if isinstance(source, dict) and "path" in source:
        return {**source, "path": str(folder / str(source["path"]))}
    return source


def _get(data: dict[str, Any], dotted: str) -> Any:
    value: Any = data
    for part in dotted.split("."):
        if isinstance(value, str) and part == "ja":
            return value  # a plain-text title/description is its Japanese
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _set(data: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    target = data
    for part in parts[:-1]:
        current = target.get(part)
        if isinstance(current, str):
            current = {"ja": current, "en": current}
        if not isinstance(current, dict):
            current = {}
        target[part] = current
        target = current
    target[parts[-1]] = value


def form_defaults(manifest: dict[str, Any]) -> dict[str, Any]:
    """The upload form's fields pre-filled from a saved manifest."""
    values: dict[str, Any] = {}
    for name, dotted in FORM_FIELDS.items():
        value = _get(manifest, dotted)
        if name == "tags":
            value = ", ".join(str(t) for t in value or ())
        values[name] = "" if value is None else str(value)
    values["dataset_id"] = str(manifest.get("id", ""))
    source = (manifest.get("sources") or [{}])[0]
    if isinstance(source, dict):
        values["sheet"] = str(source.get("sheet") or "")
        values["crs"] = str(source.get("crs") or "")
    return values


def merge_update(
    saved: dict[str, Any],
    submitted: dict[str, Any],
    stored: dict[str, str],
    department: dict[str, str],
    uploaded: Collection[str] | None = None,
) -> dict[str, Any]:
    """The new upload's manifest: the saved one, with only the fields the user changed.

    ``submitted`` holds the form's values (tags as a list); a field equal to its pre-filled
    value is left as saved (so an English title the form does not show is never blanked).
    ``stored`` maps each source key to its file in the new upload folder: a file uploaded now,
    or the published file copied over; ``uploaded`` names the keys uploaded now (all of them
    when ``None``). A source not in ``stored`` is left out: the caller only does that for a
    removal the department confirmed. The mapping (``columns``), ``values``,
    ``constants``, ``personal_data``, ``layout`` and every other key are kept as they were.
    """
    merged: dict[str, Any] = json.loads(json.dumps(saved, default=str))  # a deep copy
    defaults = form_defaults(saved)
    own_schema = bool(saved.get("schema")) and not saved.get("standard")
    for name, dotted in FORM_FIELDS.items():
        if name not in submitted or (own_schema and name == "standard"):
            continue  # a dataset with its own schema keeps it: its contract is not a form field
        value = submitted[name]
        shown = ", ".join(value) if name == "tags" else value
        if shown != defaults.get(name, ""):
            _set(merged, dotted, list(value) if name == "tags" else value)
    merged["department"] = {
        "id": department["id"],
        "name": {"ja": department["ja"], "en": department["en"]},
    }
    raw = merged.pop("source", None)
    entries = merged.get("sources") or ([raw] if raw else [{}])
    sources: list[dict[str, Any]] = []
    for i, entry in enumerate(entries):
        entry = {"path": entry} if isinstance(entry, str) else dict(entry)
        key = source_key(entry, i)
        if key not in stored:
            continue
        entry["path"] = stored[key]
        if i > 0 and "key" not in entry:
            entry["key"] = key  # keeps the resource's key if an earlier source is removed
        if not stored[key].endswith(".xlsx"):
            entry.pop("sheet", None)
        if i == 0 and (
            uploaded is None or key in uploaded
        ):  # the form shows the first source's sheet and CRS
            for name in ("sheet", "crs"):
                value = submitted.get(name)
                if value and value != defaults.get(name):
                    entry[name] = value
        sources.append(entry)
    merged["sources"] = sources
    return merged
