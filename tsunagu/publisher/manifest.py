"""Dataset manifests (``datasets/<municipality>/<department>/<dataset>/dataset.yaml``).

A manifest is what a department agrees to once: which standard its file follows, how its local
column names map to the standard's, which constants fill missing columns, which columns it
confirms are public. It is reused on every re-upload, so a monthly file needs no new decisions.
The manifest itself is validated here with errors that name the file and the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tsunagu.errors import ManifestError

MANIFEST_NAME = "dataset.yaml"
MUNICIPALITY_NAME = "municipality.yaml"
FREQUENCIES = ("daily", "weekly", "monthly", "quarterly", "yearly", "irregular", "never")
LICENCES = ("CC-BY-4.0", "CC0-1.0", "CC-BY-SA-4.0", "ODC-BY-1.0", "PDDL-1.0")
# fullmatch, never `$`: "$" also matches before a trailing newline ("an-id\n").
_ID = re.compile(r"[a-z0-9][a-z0-9_-]{1,99}")
_SOURCE_KEYS = {"path", "key", "sheet", "header_row", "encoding", "layer", "crs"}
_TOP_KEYS = {
    "id", "title", "description", "department", "standard", "layout", "licence", "license",
    "update_frequency", "tags", "sources", "source", "columns", "constants", "personal_data",
    "crs", "known_problems", "id_prefix", "issued", "modified",
}  # fmt: skip


@dataclass(frozen=True)
class Text:
    """A text in Japanese and English (Japanese first; English falls back to Japanese)."""

    ja: str
    en: str

    @classmethod
    def parse(cls, value: Any, where: str) -> Text:
        if isinstance(value, str):
            return cls(value, value)
        if isinstance(value, dict) and isinstance(value.get("ja"), str):
            return cls(value["ja"], str(value.get("en") or value["ja"]))
        raise ManifestError(
            f"{where} must be a text or {{ja: ..., en: ...}}",
            message_ja=f"{where} は文字列か {{ja: ..., en: ...}} で書いてください",
        )


@dataclass(frozen=True)
class SourceSpec:
    """One departmental file of a dataset, with how to read it."""

    path: Path
    key: str = "main"
    sheet: str | None = None
    header_row: int | None = None
    encoding: str | None = None
    layer: str | None = None
    crs: str | None = None


@dataclass(frozen=True)
class Department:
    slug: str
    name: Text


@dataclass(frozen=True)
class Municipality:
    """``municipality.yaml``: the city's code, name and departments, shared by its manifests."""

    code: str
    name: str
    departments: dict[str, Department] = field(default_factory=dict)


@dataclass(frozen=True)
class Manifest:
    path: Path
    id: str
    title: Text
    description: Text
    department: Department
    standard: str
    layout: str | None  # "current" | "suisho2020" | None = recognise from the header
    licence: str
    update_frequency: str
    tags: tuple[str, ...]
    sources: tuple[SourceSpec, ...]
    columns: dict[str, str | None]
    constants: dict[str, str]
    allow_personal_columns: tuple[str, ...]
    crs: str | None
    known_problems: tuple[dict[str, Any], ...]
    id_prefix: str | None
    municipality: Municipality | None = None

    @property
    def directory(self) -> Path:
        return self.path.parent


def _fail(path: Path, field_name: str, en: str, ja: str) -> ManifestError:
    return ManifestError(
        f"{path}: field '{field_name}': {en}",
        message_ja=f"{path} の項目「{field_name}」: {ja}",
    )


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ManifestError(
            f"{path}: cannot be read as UTF-8 YAML: {exc}",
            message_ja=f"{path} を UTF-8 の YAML として読めません: {exc}",
        ) from exc
    if not isinstance(data, dict):
        raise ManifestError(
            f"{path}: must be a YAML mapping (key: value lines)",
            message_ja=f"{path} は「項目: 値」の形の YAML で書いてください",
        )
    return data


def load_municipality(path: Path) -> Municipality:
    data = _load_yaml(path)
    code = str(data.get("code", ""))
    if not re.fullmatch(r"\d{6}", code):
        raise _fail(
            path,
            "code",
            "must be the 6-digit 全国地方公共団体コード",
            "6桁の全国地方公共団体コードを書いてください",
        )
    departments = {}
    for slug, name in (data.get("departments") or {}).items():
        departments[str(slug)] = Department(str(slug), Text.parse(name, f"departments.{slug}"))
    return Municipality(code=code, name=str(data.get("name", "")), departments=departments)


def _find_municipality(start: Path) -> Municipality | None:
    for parent in [start, *start.parents]:
        candidate = parent / MUNICIPALITY_NAME
        if candidate.is_file():
            return load_municipality(candidate)
    return None


def _parse_sources(path: Path, data: dict[str, Any]) -> tuple[SourceSpec, ...]:
    raw = data.get("sources", data.get("source"))
    if raw is None:
        raise _fail(
            path, "sources", "is required (the departmental file(s))", "必須です（元ファイル）"
        )
    items = raw if isinstance(raw, list) else [raw]
    specs = []
    for i, item in enumerate(items):
        entry = {"path": item} if isinstance(item, str) else item
        if not isinstance(entry, dict) or "path" not in entry:
            raise _fail(path, f"sources[{i}]", "needs a 'path'", "path が必要です")
        unknown = set(entry) - _SOURCE_KEYS
        if unknown:
            raise _fail(
                path,
                f"sources[{i}]",
                f"unknown keys {sorted(unknown)}",
                f"不明な項目 {sorted(unknown)}",
            )
        rel = Path(str(entry["path"]))
        if rel.is_absolute() or ".." in rel.parts:
            raise _fail(
                path,
                f"sources[{i}].path",
                "must be relative, inside the dataset folder",
                "データセットのフォルダ内の相対パスで書いてください",
            )
        source_file = path.parent / rel
        if not source_file.is_file():
            raise _fail(
                path,
                f"sources[{i}].path",
                f"file not found: {rel}",
                f"ファイルが見つかりません: {rel}",
            )
        header = entry.get("header_row")
        specs.append(
            SourceSpec(
                path=source_file,
                key=str(entry.get("key", "main" if i == 0 else f"part{i + 1}")),
                sheet=entry.get("sheet"),
                header_row=int(header) if header is not None else None,
                encoding=entry.get("encoding"),
                layer=entry.get("layer"),
                crs=entry.get("crs", data.get("crs")),
            )
        )
    return tuple(specs)


def _parse_department(path: Path, value: Any, municipality: Municipality | None) -> Department:
    if isinstance(value, dict):
        slug = str(value.get("id", ""))
        name = Text.parse(value.get("name", slug), "department.name")
    else:
        slug = str(value or "")
        known = municipality.departments.get(slug) if municipality else None
        name = known.name if known else Text(slug, slug)
        if municipality and municipality.departments and not known:
            raise _fail(
                path,
                "department",
                f'"{slug}" is not in municipality.yaml ({sorted(municipality.departments)})',
                f"「{slug}」は municipality.yaml にありません",
            )
    if not _ID.fullmatch(slug):
        raise _fail(
            path,
            "department",
            "must be a slug of a-z, 0-9, - and _",
            "半角英小文字・数字・-・_ で書いてください",
        )
    return Department(slug, name)


def load_manifest(path: Path) -> Manifest:
    """Read and validate one manifest; every error names the file and the field."""
    data = _load_yaml(path)
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise _fail(
            path,
            ", ".join(sorted(unknown)),
            f"unknown field(s); known: {sorted(_TOP_KEYS)}",
            "不明な項目です",
        )
    ident = str(data.get("id", ""))
    if not _ID.fullmatch(ident):
        raise _fail(
            path,
            "id",
            f'"{ident}" must be 2-100 chars of a-z, 0-9, - and _',
            "半角英小文字・数字・-・_ で2〜100文字にしてください",
        )
    for required in ("title", "standard", "department"):
        if not data.get(required):
            raise _fail(path, required, "is required", "必須です")
    municipality = _find_municipality(path.parent)
    licence = str(data.get("licence", data.get("license", "CC-BY-4.0")))
    if licence not in LICENCES:
        raise _fail(
            path,
            "licence",
            f'"{licence}" is not one of {LICENCES}',
            f"「{licence}」は使えません（{', '.join(LICENCES)}）",
        )
    frequency = str(data.get("update_frequency", "irregular"))
    if frequency not in FREQUENCIES:
        raise _fail(
            path,
            "update_frequency",
            f'"{frequency}" is not one of {FREQUENCIES}',
            f"「{frequency}」は使えません（{', '.join(FREQUENCIES)}）",
        )
    columns = data.get("columns") or {}
    if not isinstance(columns, dict):
        raise _fail(
            path,
            "columns",
            "must map local column names to standard names",
            "「元の列名: 標準の列名」の形で書いてください",
        )
    personal = data.get("personal_data") or {}
    return Manifest(
        path=path,
        id=ident,
        title=Text.parse(data["title"], "title"),
        description=Text.parse(data.get("description", ""), "description"),
        department=_parse_department(path, data["department"], municipality),
        standard=str(data["standard"]),
        layout=data.get("layout"),
        licence=licence,
        update_frequency=frequency,
        tags=tuple(str(t) for t in data.get("tags") or ()),
        sources=_parse_sources(path, data),
        columns={str(k): (str(v) if v is not None else None) for k, v in columns.items()},
        constants={str(k): str(v) for k, v in (data.get("constants") or {}).items()},
        allow_personal_columns=tuple(str(c) for c in personal.get("allow_columns") or ()),
        crs=data.get("crs"),
        known_problems=tuple(data.get("known_problems") or ()),
        id_prefix=data.get("id_prefix"),
        municipality=municipality,
    )


def find_manifests(root: Path) -> Iterator[Path]:
    """Every ``dataset.yaml`` below ``root`` (or ``root`` itself), in a stable order."""
    if root.is_file():
        yield root
        return
    yield from sorted(root.rglob(MANIFEST_NAME))
