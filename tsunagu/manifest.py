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
_CONTACT_KEYS = {"name", "phone", "email", "url"}
# Checks of shape only (a typo, a pasted sentence), not of reachability.
_PHONE = re.compile(
    r"\+?[0-9０-９][0-9０-９()（）\-－ー‐ ]{5,20}(?:\s*(?:内線|ext\.?)\s*[0-9０-９]{1,6})?"
)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_URL = re.compile(r"https?://[^\s]+")
OWN_SCHEMA_PREFIX = "own:"  # the slug of a dataset's own schema: "own:<dataset id>"


#: The long form's column names when the manifest gives none: upper header, lower header, value.
LONG_NAMES = ("区分1", "区分2", "値")


@dataclass(frozen=True)
class StatisticsSpec:
    """The manifest's ``statistics:``: ``header_rows`` (1 or 2), ``totals`` (keep | drop),
    ``placeholders`` (empty: emptied with the reason reported | keep: left as written) and
    ``shape`` (wide: one column per header pair | long: one row per cell, tidy data, with the
    upper header, lower header and value in the three columns ``names``)."""

    header_rows: int = 1
    totals: str = "keep"
    placeholders: str = "empty"
    shape: str = "wide"
    names: tuple[str, str, str] = LONG_NAMES

    @classmethod
    def parse(cls, raw: Any) -> StatisticsSpec:
        from tsunagu.manifest_input import typed_statistics

        typed = typed_statistics(raw or {})
        names = LONG_NAMES
        if typed.names:  # pydantic checked there are three
            upper, lower, value = (n.strip() for n in typed.names)
            names = (upper, lower, value)
        spec = cls(typed.header_rows, typed.totals, typed.placeholders, typed.shape, names)
        if (
            spec.header_rows not in (1, 2)
            or spec.totals not in ("keep", "drop")
            or spec.placeholders not in ("empty", "keep")
        ):
            raise ManifestError(
                f"statistics: header_rows is 1 or 2, totals keep|drop, placeholders empty|keep; "
                f"got {raw!r}",
                message_ja="statistics: は header_rows（1 か 2）・totals（keep か drop）・"
                f"placeholders（empty か keep）で書いてください（「{raw!r}」）",
            )
        # The long form melts header pairs (男 over 0-4歳); a one-row header has none to melt.
        if spec.shape == "long" and spec.header_rows != 2:
            raise ManifestError(
                "statistics.shape: long needs header_rows: 2 (upper and lower header as columns)",
                message_ja="statistics.shape: long には header_rows: 2 が必要です"
                "（上下2段の見出しを列にします）",
            )
        if "" in names or len(set(names)) != 3:
            raise ManifestError(
                f"statistics.names: three different, non-empty names; got {list(names)!r}",
                message_ja="statistics.names: は空でない異なる3つの列名で書いてください"
                f"（「{list(names)!r}」）",
            )
        return spec


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
class DocumentSpec:
    """A document published as it is (PDF, image, Word …): checked, never validated as a table."""

    path: Path
    key: str
    title: Text
    description: Text


@dataclass(frozen=True)
class Contact:
    """問い合わせ先: who answers questions about a dataset, and how to reach them.

    ``name`` is the answering office (the department unless given); every way to reach it is
    optional, but a contact with none of them says nothing and is refused.
    """

    name: Text
    phone: str = ""
    email: str = ""
    url: str = ""

    def merged(self, other: Contact | None) -> Contact:
        """``other``'s fields over these: a manifest overrides its department's field by field."""
        if other is None:
            return self
        return Contact(
            name=other.name if other.name.ja else self.name,
            phone=other.phone or self.phone,
            email=other.email or self.email,
            url=other.url or self.url,
        )

    def to_dict(self) -> dict[str, str]:
        """The catalogue's form (flat strings, so CKAN extras and JSON carry it as it is)."""
        return {
            "name_ja": self.name.ja,
            "name_en": self.name.en,
            "phone": self.phone,
            "email": self.email,
            "url": self.url,
        }


@dataclass(frozen=True)
class Department:
    slug: str
    name: Text
    contact: Contact | None = None


@dataclass(frozen=True)
class Municipality:
    """``municipality.yaml``: the city's code, name, area and departments, shared by its manifests.

    ``area`` is the city's lon/lat box (W, S, E, N) with a margin; locations outside it are
    warned about. One deployment may hold several municipalities, one folder each.
    """

    code: str
    name: str
    departments: dict[str, Department] = field(default_factory=dict)
    area: tuple[float, float, float, float] | None = None
    source: str = ""  # where it was learnt: a municipality.yaml path or "settings"

    def to_fact(self) -> dict[str, Any]:
        """What the report records about the municipality the file was checked against."""
        return {
            "code": self.code,
            "name": self.name,
            "area": list(self.area) if self.area else None,
            "source": self.source,
        }


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
    # column (as in the file, or the standard's name) → {value as written: standard value}
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    # a combined column split into two fields, in the order its values are written
    # (``columns: {location: [緯度, 経度]}``)
    split_columns: dict[str, tuple[str, str]] = field(default_factory=dict)
    # ``schema: schema.json``: the dataset's own Table Schema (its contract), instead of a standard
    own_schema: Path | None = None
    documents: tuple[DocumentSpec, ...] = ()
    statistics: StatisticsSpec | None = None  # from statistics:
    # ``data_as_of:`` as written (ISO or 和暦); the publisher turns it into a day and refuses a
    # value that names none, since the 和暦 rules live in the normalize room above this floor
    data_as_of: str | None = None
    contact: Contact | None = None  # the department's 問い合わせ先 with the manifest's over it

    @property
    def directory(self) -> Path:
        return self.path.parent

    @property
    def schema_slug(self) -> str:
        """The schema the pipeline validates against: the standard's slug, or ``own:<id>``."""
        return self.standard or f"{OWN_SCHEMA_PREFIX}{self.id}"

    @property
    def kind(self) -> str:
        """``standard``, ``own-schema`` or ``documents``: the catalogue's facet."""
        if self.standard:
            return "standard"
        return "own-schema" if self.own_schema is not None else "documents"


_fail = ManifestError.at


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
    from tsunagu.manifest_input import typed_municipality

    data = typed_municipality(path, _load_yaml(path))
    code = str(data.get("code", ""))
    if not re.fullmatch(r"\d{6}", code):
        raise _fail(
            path,
            "code",
            "must be the 6-digit 全国地方公共団体コード",
            "6桁の全国地方公共団体コードを書いてください",
        )
    name = str(data.get("name") or "").strip()
    if not name:
        raise _fail(path, "name", "is required (e.g. 千葉県柏市)", "必須です（例: 千葉県柏市）")
    departments = {}
    for slug, dept in (data.get("departments") or {}).items():
        where = f"departments.{slug}"
        dept_name = Text.parse(dept, where)
        raw_contact = dept.get("contact") if isinstance(dept, dict) else None
        contact = _parse_contact(path, f"{where}.contact", raw_contact, dept_name)
        departments[str(slug)] = Department(str(slug), dept_name, contact)
    return Municipality(
        code=code,
        name=name,
        departments=departments,
        area=_parse_area(path, data.get("area")),
        source=str(path),
    )


def _parse_contact(
    path: Path, where: str, raw: Any, default_name: Text, *, means_known: bool = False
) -> Contact | None:
    """``contact: {name: ..., phone: ..., email: ..., url: ...}``; None when absent.

    A contact needs a way to reach it, unless one is ``means_known`` already (a manifest that
    only renames its department's contact)."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - _CONTACT_KEYS:
        raise _fail(
            path,
            where,
            f"must be a mapping of {sorted(_CONTACT_KEYS)}",
            f"{sorted(_CONTACT_KEYS)} の項目で書いてください",
        )
    name = Text.parse(raw["name"], f"{where}.name") if raw.get("name") else default_name
    values = {key: str(raw.get(key) or "").strip() for key in ("phone", "email", "url")}
    checks = {
        "phone": (_PHONE, "a phone number such as 04-7167-1111", "電話番号（例: 04-7167-1111）"),
        "email": (_EMAIL, "an e-mail address", "メールアドレス"),
        "url": (_URL, "an http(s) address", "http(s) のアドレス"),
    }
    for key, (pattern, en, ja) in checks.items():
        if values[key] and not pattern.fullmatch(values[key]):
            raise _fail(
                path,
                f"{where}.{key}",
                f'"{values[key]}" is not {en}',
                f"「{values[key]}」は{ja}として読めません",
            )
    if not any(values.values()) and not means_known:
        raise _fail(
            path,
            where,
            "needs at least one of phone, email or url",
            "phone・email・url のどれかを書いてください",
        )
    return Contact(name, **values)


def _parse_data_as_of(path: Path, raw: Any) -> str | None:
    """``data_as_of: 2024-04-01`` (YAML reads it as a date) or ``令和6年4月1日`` (text)."""
    from datetime import date

    if raw is None or raw == "":
        return None
    if isinstance(raw, date):
        return raw.isoformat()
    if not isinstance(raw, str):
        raise _fail(
            path,
            "data_as_of",
            f"must be a date such as 2024-04-01 or 令和6年4月1日, got {raw!r}",
            f"2024-04-01 や 令和6年4月1日 のような日付で書いてください（「{raw!r}」）",
        )
    return raw.strip()


def _parse_area(path: Path, raw: Any) -> tuple[float, float, float, float] | None:
    """``area: [W, S, E, N]`` in degrees (lon/lat), inside Japan, west < east, south < north."""
    if raw is None:
        return None
    try:
        west, south, east, north = (float(v) for v in raw)
    except (TypeError, ValueError):
        west = south = east = north = float("nan")
    inside = 122 <= west < east <= 154 and 20 <= south < north <= 46
    if not inside:
        raise _fail(
            path,
            "area",
            f"must be [west, south, east, north] in degrees inside Japan, got {raw!r}",
            f"[西, 南, 東, 北] の経緯度（日本国内）で書いてください（「{raw!r}」）",
        )
    return (west, south, east, north)


def municipality_for(source: Path, settings: Any, manifest: Manifest | None) -> Municipality | None:
    """The municipality a file belongs to: its manifest's ``municipality.yaml``, else one found
    above the file, else the one configured in the settings, else none.

    Settings count only when the operator set ``municipality_code`` explicitly: the defaults
    describe no particular city's file, and filling 柏市 into another city's rows is the silent
    mislabelling this function exists to prevent.
    """
    if manifest is not None and manifest.municipality is not None:
        return manifest.municipality
    found = _find_municipality(source.resolve().parent)
    if found is not None:
        return found
    if "municipality_code" in settings.given:
        return Municipality(
            code=settings.municipality_code,
            name=settings.municipality_name,
            area=tuple(settings.municipality_bbox),
            source="settings",
        )
    return None


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


def _parse_department(
    path: Path, value: dict[str, Any], municipality: Municipality | None
) -> Department:
    known: Department | None = None
    if value.get("written_out"):
        slug = str(value.get("id") or "")
        name = Text.parse(value.get("name") or slug, "department.name")
        known = municipality.departments.get(slug) if municipality else None
    else:
        slug = str(value.get("id") or "")
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
    return Department(slug, name, known.contact if known else None)


def load_manifest(path: Path) -> Manifest:
    """Read and validate one manifest; every error names the file and the field."""
    data = _load_yaml(path)
    from tsunagu.manifest_input import TOP_KEYS, typed_manifest

    unknown = set(data) - TOP_KEYS
    if unknown:
        raise _fail(
            path,
            ", ".join(sorted(unknown)),
            f"unknown field(s); known: {sorted(TOP_KEYS)}",
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
    for required in ("title", "department"):
        if not data.get(required):
            raise _fail(path, required, "is required", "必須です")
    data = typed_manifest(path, data)
    documents = _parse_documents(path, data.get("documents"))
    only_documents = bool(documents) and not data.get("sources", data.get("source"))
    own_schema = None if only_documents else _parse_own_schema(path, data)
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
    values = _parse_values(path, data.get("values"))
    department = _parse_department(path, data["department"], municipality)
    own_contact = _parse_contact(
        path,
        "contact",
        data.get("contact"),
        Text("", ""),
        means_known=department.contact is not None,
    )
    contact: Contact | None
    if department.contact is not None:
        contact = department.contact.merged(own_contact)
    elif own_contact is not None and not own_contact.name.ja:
        contact = Contact(department.name, own_contact.phone, own_contact.email, own_contact.url)
    else:
        contact = own_contact
    return Manifest(
        path=path,
        id=ident,
        title=Text.parse(data["title"], "title"),
        description=Text.parse(data.get("description", ""), "description"),
        department=department,
        standard=str(data.get("standard") or ""),
        layout=data.get("layout"),
        licence=licence,
        update_frequency=frequency,
        tags=tuple(str(t) for t in data.get("tags") or ()),
        sources=() if only_documents else _parse_sources(path, data),
        columns={
            str(k): (str(v) if v is not None else None)
            for k, v in columns.items()
            if not isinstance(v, list)
        },
        split_columns=_parse_splits(path, columns),
        constants={str(k): str(v) for k, v in (data.get("constants") or {}).items()},
        allow_personal_columns=tuple(str(c) for c in personal.get("allow_columns") or ()),
        crs=data.get("crs"),
        known_problems=tuple(data.get("known_problems") or ()),
        id_prefix=data.get("id_prefix"),
        municipality=municipality,
        values=values,
        own_schema=own_schema,
        documents=documents,
        statistics=_parse_statistics(path, data.get("statistics")),
        data_as_of=_parse_data_as_of(path, data.get("data_as_of")),
        contact=contact,
    )


def _parse_statistics(path: Path, raw: Any) -> Any:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise _fail(
            path,
            "statistics",
            "must be {header_rows: 2, totals: drop, placeholders: empty}",
            "{header_rows: 2, totals: drop, placeholders: empty} の形で書いてください",
        )
    try:
        return StatisticsSpec.parse(raw)
    except ManifestError as exc:
        raise _fail(path, "statistics", exc.message_en, exc.message_ja) from exc


def _parse_documents(path: Path, raw: Any) -> tuple[DocumentSpec, ...]:
    """``documents: [{path: 報告書.pdf, title: ..., description: ...}]``."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _fail(path, "documents", "must be a list", "リストで書いてください")
    specs = []
    for i, item in enumerate(raw):
        entry = {"path": item} if isinstance(item, str) else item
        if not isinstance(entry, dict) or "path" not in entry:
            raise _fail(path, f"documents[{i}]", "needs a 'path'", "path が必要です")
        rel = Path(str(entry["path"]))
        if rel.is_absolute() or ".." in rel.parts or not (path.parent / rel).is_file():
            raise _fail(
                path,
                f"documents[{i}].path",
                f"must name a file inside the dataset folder: {rel}",
                f"データセットのフォルダ内のファイルを書いてください: {rel}",
            )
        specs.append(
            DocumentSpec(
                path=path.parent / rel,
                key=str(entry.get("key", f"doc{i + 1}")),
                title=Text.parse(entry.get("title", rel.name), f"documents[{i}].title"),
                description=Text.parse(entry.get("description", ""), f"documents[{i}].description"),
            )
        )
    return tuple(specs)


def _parse_own_schema(path: Path, data: dict[str, Any]) -> Path | None:
    """``schema: schema.json`` (a file in the dataset folder) or ``standard: <slug>``: exactly one.

    A manifest naming both would leave open which one the file is held to; one naming neither
    has no contract at all (``tsunagu describe`` writes one).
    """
    raw, standard = data.get("schema"), data.get("standard")
    if raw and standard:
        raise _fail(
            path,
            "schema",
            "name either a standard (standard:) or the dataset's own schema (schema:), not both",
            "standard（標準データセット）と schema（独自スキーマ）は"
            "どちらか一方だけを書いてください",
        )
    if not raw:
        if not standard:
            raise _fail(
                path,
                "standard",
                "is required: a standard's slug (see `tsunagu schemas`), or write "
                "`schema: schema.json` for the dataset's own schema (`tsunagu describe FILE`)",
                "必須です。標準データセットの名前（tsunagu schemas で一覧）を書くか、独自の"
                "スキーマを schema: schema.json と書いてください（tsunagu describe で作れます）",
            )
        return None
    rel = Path(str(raw))
    if rel.is_absolute() or ".." in rel.parts:
        raise _fail(
            path,
            "schema",
            "must be relative, inside the dataset folder",
            "データセットのフォルダ内の相対パスで書いてください",
        )
    schema_file = path.parent / rel
    if not schema_file.is_file():
        raise _fail(
            path,
            "schema",
            f"file not found: {rel} (write one with `tsunagu describe FILE --write`)",
            f"ファイルが見つかりません: {rel}（tsunagu describe FILE --write で作れます）",
        )
    from tsunagu.standards import read_descriptor

    read_descriptor(schema_file)  # a broken contract stops here, naming its file
    return schema_file


def _parse_splits(path: Path, columns: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """``columns: {location: [緯度, 経度]}``: one column holding both parts of a point."""
    splits: dict[str, tuple[str, str]] = {}
    for column, target in columns.items():
        if not isinstance(target, list):
            continue
        if sorted(map(str, target)) != ["経度", "緯度"]:
            raise _fail(
                path,
                f"columns.{column}",
                "a list splits a combined point column: write [緯度, 経度] or [経度, 緯度]",
                "一つの列に入った座標を分けるときは [緯度, 経度] か [経度, 緯度] と書いてください",
            )
        splits[str(column)] = (str(target[0]), str(target[1]))
    return splits


def _parse_values(path: Path, raw: Any) -> dict[str, dict[str, str]]:
    """``values: {列名: {○: 有, ×: 無, ー: ""}}``; a null target means an empty cell."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        raise _fail(
            path,
            "values",
            "must map a column to {value as written: standard value}",
            "「列名: {元の値: 標準の値}」の形で書いてください",
        )
    return {
        str(column): {
            str(k): "" if v is None else str(v) for k, v in mapping.items() if k is not None
        }
        for column, mapping in raw.items()
    }


def find_manifests(root: Path) -> Iterator[Path]:
    """Every ``dataset.yaml`` below ``root`` (or ``root`` itself), in a stable order."""
    if root.is_file():
        yield root
        return
    yield from sorted(root.rglob(MANIFEST_NAME))
