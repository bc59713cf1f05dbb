"""The manifest's shape, typed by pydantic: the types and coercions of ``dataset.yaml``.

pydantic checks the types and coerces (``header_row: "2"`` → 2, ``header_row: abc`` → an
error naming ``sources[0].header_row``); the checks no type can say (a path inside the dataset
folder, a known licence, a department of municipality.yaml) stay in :mod:`tsunagu.manifest`, in
code. A module of its own because building the models costs a tenth of a second: the manifest
imports it when it first reads one, so ``tsunagu --help`` never pays for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from tsunagu.errors import ManifestError
from tsunagu.typed_input import problems

# ``coerce_numbers_to_str``: YAML reads ``id: 2024`` or ``key: 1`` as numbers; they were
# always meant as text.
_TYPED = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


def _as_text(value: Any) -> Any:
    return {"ja": value} if isinstance(value, str) else value


def _as_entries(value: Any) -> Any:
    """One entry or a list of them; an entry may be just its path."""
    items = value if isinstance(value, list) else [value]
    return [{"path": item} if isinstance(item, str) else item for item in items]


def _as_department(value: Any) -> Any:
    """A slug of municipality.yaml, or ``{id, name}`` written out in the manifest."""
    if isinstance(value, dict):
        return {**value, "written_out": True}
    return {"id": value, "written_out": False} if value is not None else None


class _TextIn(BaseModel):
    model_config = _TYPED
    ja: str
    en: str | None = None


_Text = Annotated[_TextIn, BeforeValidator(_as_text)]


class _SourceIn(BaseModel):
    model_config = _TYPED
    path: str
    key: str | None = None
    sheet: str | int | None = None
    header_row: int | None = Field(default=None, ge=1)
    encoding: str | None = None
    layer: str | None = None
    crs: str | None = None


class _DocumentIn(BaseModel):
    model_config = _TYPED
    path: str
    key: str | None = None
    title: _Text | None = None
    description: _Text | None = None


class _DepartmentIn(BaseModel):
    model_config = _TYPED
    id: str = ""
    name: _Text | None = None
    written_out: bool = False


class _ContactIn(BaseModel):
    """問い合わせ先; the shapes of phone, e-mail and url are checked in code (their messages)."""

    model_config = _TYPED
    name: _Text | None = None
    phone: str | None = None
    email: str | None = None
    url: str | None = None


class _DepartmentEntryIn(_TextIn):
    """A department of municipality.yaml: its name (text or ``{ja, en}``) and its contact."""

    contact: _ContactIn | None = None


class _PersonalIn(BaseModel):
    model_config = _TYPED
    allow_columns: list[str] = []


class _StatisticsIn(BaseModel):
    model_config = _TYPED
    header_rows: int = 1
    totals: str = "keep"
    placeholders: str = "empty"
    shape: Literal["wide", "long"] = "wide"
    # The long form's upper-header, lower-header and value columns (性別, 年齢, 人口).
    names: Annotated[list[str], Field(min_length=3, max_length=3)] | None = None


class _ManifestIn(BaseModel):
    """The types of ``dataset.yaml``; what only code can check is checked in load_manifest."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True, populate_by_name=True)
    id: str = ""
    title: _Text | None = None
    description: _Text | None = None
    department: Annotated[_DepartmentIn | None, BeforeValidator(_as_department)] = None
    standard: str | None = None
    layout: str | None = None
    licence: str | None = None
    license: str | None = None
    update_frequency: str | None = None
    tags: list[str] | None = None
    sources: Annotated[list[_SourceIn] | None, BeforeValidator(_as_entries)] = None
    source: Annotated[list[_SourceIn] | None, BeforeValidator(_as_entries)] = None
    columns: Any = None  # its shape has its own message (see load_manifest)
    constants: dict[str, Any] | None = None
    personal_data: _PersonalIn | None = None
    crs: str | None = None
    known_problems: list[dict[str, Any]] | None = None
    id_prefix: str | None = None
    issued: Any = None
    modified: Any = None
    values: Any = None  # its shape has its own message (see _parse_values)
    schema_: str | None = Field(default=None, alias="schema")
    documents: Annotated[list[_DocumentIn] | None, BeforeValidator(_as_entries)] = None
    statistics: Any = None  # its shape has its own message (see _parse_statistics)
    data_as_of: Any = None  # a date (YAML) or a text (和暦); the publisher reads it as a day
    contact: _ContactIn | None = None


class _MunicipalityIn(BaseModel):
    """``municipality.yaml``; the code's form and the area's bounds are checked in code."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)
    code: str = ""
    name: str = ""
    departments: dict[str, Annotated[_DepartmentEntryIn, BeforeValidator(_as_text)]] | None = None
    area: Any = None


TOP_KEYS = frozenset(field.alias or name for name, field in _ManifestIn.model_fields.items())


def typed_manifest(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` typed and coerced by :class:`_ManifestIn`, back as the mapping it was (entries
    written as a bare path become ``{path: ...}``); the first wrong field names the file."""
    try:
        typed = _ManifestIn.model_validate(data)
    except ValidationError as exc:
        found = problems(exc)
        first, more = found[0], len(found) - 1
        also_en = f" (and {more} more)" if more else ""
        also_ja = f"（ほか {more} 件）" if more else ""
        raise ManifestError.at(
            path, first.field, first.message_en + also_en, first.message_ja + also_ja
        ) from None
    return typed.model_dump(by_alias=True, exclude_unset=True)


def typed_statistics(raw: Any) -> _StatisticsIn:
    """``statistics:`` typed; the first wrong field as a ManifestError (the caller adds the
    file)."""
    try:
        return _StatisticsIn.model_validate(raw)
    except ValidationError as exc:
        first = problems(exc, "statistics")[0]
        raise ManifestError(
            f"{first.field}: {first.message_en}",
            message_ja=f"{first.field}: {first.message_ja}",
        ) from None


def typed_municipality(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """``municipality.yaml`` typed (a department's name is a text or ``{ja, en}``); the first
    wrong field names the file."""
    try:
        typed = _MunicipalityIn.model_validate(data)
    except ValidationError as exc:
        first = problems(exc)[0]
        raise ManifestError.at(path, first.field, first.message_en, first.message_ja) from None
    return typed.model_dump(exclude_unset=True)
