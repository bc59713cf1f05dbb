"""The standard schemas (自治体標準オープンデータセット and the old 推奨データセット layouts).

Schemas are data: one Frictionless Table Schema per file in ``datasets/schemas/`` plus
``registry.yaml`` listing them, so adding a dataset means adding files, not code. Each field may
carry two Tsunagu members that Frictionless ignores: ``x-aliases`` (the local column names
departments actually use) and ``x-normalize`` (what the value normalizer should do). Old layouts
carry ``x-upgrade``, which :mod:`tsunagu.normalize.layout` follows to reach the current layout.
"""

from __future__ import annotations

import dataclasses
import json
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tsunagu.errors import ConfigError, ManifestError, SchemaNotFound

LAYOUTS = ("current", "suisho2020")
# Dash-like characters typed for the long vowel (コ―ド with U+2015, コ‐ド …) → ー.
LONG_VOWEL = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff70", "ー"))
EXACT_WEIGHT = 1.0  # a header spelled as the standard spells it
ALIAS_WEIGHT = 0.8  # a header known only as a local alias: good evidence, but less than exact
UNSPELLED_OLD = 0.9  # an old layout none of whose names is spelled exactly is only a guess


def header_key(name: str) -> str:
    """Compare headers the way a person would: width, case, spaces and brackets don't matter."""
    text = unicodedata.normalize("NFKC", str(name)).casefold().translate(LONG_VOWEL)
    return "".join(ch for ch in text if not ch.isspace())


@dataclass(frozen=True)
class StandardSchema:
    """One standard layout: its registry entry and its Table Schema descriptor."""

    slug: str
    layout: str
    title_ja: str
    title_en: str
    number: str | None
    version: str | None
    path: Path
    descriptor: dict[str, Any]

    @property
    def fields(self) -> list[dict[str, Any]]:
        return list(self.descriptor.get("fields", []))

    @property
    def field_names(self) -> list[str]:
        return [f["name"] for f in self.fields]

    @property
    def required_fields(self) -> list[str]:
        """Fields whose cells must not be empty (the standard's ◎ items)."""
        return [f["name"] for f in self.fields if f.get("constraints", {}).get("required")]

    def field(self, name: str) -> dict[str, Any]:
        for f in self.fields:
            if f["name"] == name:
                return f
        raise KeyError(
            f'no field "{name}" in {self.slug} ({self.layout}); known: {self.field_names}'
        )

    def aliases(self) -> dict[str, list[str]]:
        """Field name → local names departments use for it (only fields that have some)."""
        return {f["name"]: list(f["x-aliases"]) for f in self.fields if f.get("x-aliases")}

    def normalize_kind(self, name: str) -> str | None:
        return self.field(name).get("x-normalize")

    @property
    def upgrade(self) -> dict[str, Any] | None:
        return self.descriptor.get("x-upgrade")

    def header_index(self) -> dict[str, tuple[str, float]]:
        """Normalized header → (field name, weight); exact names win over aliases."""
        from tsunagu.vocabulary import vocabulary_aliases

        index: dict[str, tuple[str, float]] = {}
        extra = vocabulary_aliases(self.field_names, self.field)
        for name, aliases in [*self.aliases().items(), *extra.items()]:
            for alias in aliases:
                index.setdefault(header_key(alias), (name, ALIAS_WEIGHT))
        for name in self.field_names:
            index[header_key(name)] = (name, EXACT_WEIGHT)
        return index

    def with_fields(self, extra: list[dict[str, Any]] | None) -> StandardSchema:
        """This schema with a file's own extra columns appended (typed, validated, published
        after the standard's columns); itself when there are none."""
        if not extra:
            return self
        known = set(self.field_names)
        added = [dict(f) for f in extra if f.get("name") not in known]
        descriptor = {**self.descriptor, "fields": [*self.fields, *added]}
        return dataclasses.replace(self, descriptor=descriptor)

    def frictionless_descriptor(self) -> dict[str, Any]:
        """The descriptor without Tsunagu's ``x-`` members, for tools that are strict about them."""
        return _strip_x(self.descriptor)


def _strip_x(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_x(v) for k, v in value.items() if not str(k).startswith("x-")}
    if isinstance(value, list):
        return [_strip_x(v) for v in value]
    return value


@dataclass(frozen=True)
class SchemaMatch:
    """How well a header fits one layout; ``matched`` maps the header as written → field name."""

    slug: str
    layout: str
    score: float
    matched: dict[str, str]


class SchemaRegistry:
    """All standard schemas found under one directory, by slug and layout."""

    def __init__(self, schemas: list[StandardSchema]) -> None:
        self._schemas = {(s.slug, s.layout): s for s in schemas}

    def slugs(self) -> list[str]:
        return sorted({slug for slug, _ in self._schemas})

    def get(self, slug: str, layout: str = "current") -> StandardSchema:
        found = self._schemas.get((slug, layout))
        if found is None:
            known = ", ".join(self.slugs())
            raise SchemaNotFound(
                f'unknown standard schema "{slug}" (layout {layout}); known: {known}',
                message_ja=f"標準スキーマ「{slug}」（{layout}）はありません。使えるもの: {known}",
            )
        return found

    def all(self) -> list[StandardSchema]:
        return list(self._schemas.values())

    def current(self) -> list[StandardSchema]:
        return [s for s in self._schemas.values() if s.layout == "current"]

    def rows(self) -> list[dict[str, str]]:
        """One row per dataset for ``tsunagu schemas``: slug, ja/en titles, version, layouts."""
        out = []
        for slug in self.slugs():
            layouts = [lay for lay in LAYOUTS if (slug, lay) in self._schemas]
            main = self._schemas.get((slug, "current")) or self._schemas[(slug, layouts[0])]
            out.append(
                {
                    "slug": slug,
                    "ja": main.title_ja,
                    "en": main.title_en,
                    "title_ja": main.title_ja,  # the same, under the names the CLI uses
                    "title_en": main.title_en,
                    "version": main.version or "",
                    "layouts": ", ".join(layouts),
                }
            )
        return out

    def recognise(self, columns: list[str]) -> list[SchemaMatch]:
        """Which layout of which dataset a header is, best first.

        The score mixes how much of the header the layout explains (70%) with how much of the
        layout the header covers (30%), so a short header that is wholly AED beats a long
        generic one, and exact names outrank aliases, which separates old and current layouts.
        """
        headers = [c for c in columns if str(c).strip()]
        if not headers:
            return []
        matches = [_match(schema, headers) for schema in self._schemas.values()]
        matches = [m for m in matches if m.score > 0]
        return sorted(matches, key=lambda m: (-m.score, m.slug, m.layout))


def _match(schema: StandardSchema, headers: list[str]) -> SchemaMatch:
    index = schema.header_index()
    matched: dict[str, str] = {}
    weight = 0.0
    exact = 0
    for header in headers:
        hit = index.get(header_key(header))
        if hit is None or hit[0] in matched.values():
            continue
        matched[header] = hit[0]
        weight += hit[1]
        exact += hit[1] == EXACT_WEIGHT
    precision = weight / len(headers)
    coverage = len(matched) / max(len(schema.field_names), 1)
    score = 0.7 * precision + 0.3 * coverage
    if schema.layout != "current" and not exact:
        # Only local names: nothing says "old layout", and the current one is what we publish.
        score *= UNSPELLED_OLD
    return SchemaMatch(schema.slug, schema.layout, round(score, 4), matched)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read standard schema {path}: {exc}") from exc


def _entry_schema(entry: dict[str, Any], schemas_dir: Path) -> StandardSchema:
    try:
        slug, layout, file = entry["slug"], entry["layout"], entry["file"]
        title = entry["title"]
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"registry.yaml entry {entry!r} lacks {exc}") from exc
    if layout not in LAYOUTS:
        raise ConfigError(f'registry.yaml: layout "{layout}" of {slug}; known: {LAYOUTS}')
    path = schemas_dir / file
    number = entry.get("number")
    return StandardSchema(
        slug=slug,
        layout=layout,
        title_ja=title["ja"],
        title_en=title["en"],
        number=None if number is None else str(number),
        version=entry.get("version"),
        path=path,
        descriptor=_until_midnight(_read_json(path)),
    )


UNTIL_MIDNIGHT_NAMES = ("終了時間", "終了時刻")
UNTIL_MIDNIGHT_PATTERN = "(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)"


def _until_midnight(descriptor: dict[str, Any]) -> dict[str, Any]:
    """Closing times accept ``24:00`` ("open until midnight"), as the standards' own examples do.

    A Table Schema ``time`` cannot hold 24:00, so an HH:MM closing-time field becomes a string
    with the HH:MM-or-24:00 pattern; both engines then agree, and a wrong value gets the pattern
    message, never a "use 24-hour notation" that contradicts the 24:00 it rejects.
    """
    for field in descriptor.get("fields", []):
        closing = str(field.get("name", "")).endswith(UNTIL_MIDNIGHT_NAMES)
        if closing and field.get("type") == "time" and field.get("format") in (None, "%H:%M"):
            field.pop("format", None)
            field["type"] = "string"
            field.setdefault("constraints", {})["pattern"] = UNTIL_MIDNIGHT_PATTERN
            field["x-until-midnight"] = True
    return descriptor


@cache
def _load(schemas_dir: Path) -> SchemaRegistry:
    registry_file = schemas_dir / "registry.yaml"
    try:
        data = yaml.safe_load(registry_file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read schema registry {registry_file}: {exc}") from exc
    return SchemaRegistry([_entry_schema(e, schemas_dir) for e in data.get("schemas", [])])


def load_registry(schemas_dir: Path) -> SchemaRegistry:
    """The registry for ``schemas_dir`` (``Settings.schemas_dir``), read once per directory."""
    return _load(Path(schemas_dir).resolve())


def _schema_file_fault(path: Path, en: str, ja: str) -> ManifestError:
    return ManifestError(f"{path}: {en}", message_ja=f"{path}: {ja}", code="own-schema-invalid")


def read_descriptor(path: Path) -> dict[str, Any]:
    """The schema file as a checked Table Schema descriptor (Frictionless decides what is valid)."""
    from frictionless import Schema

    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise _schema_file_fault(
            path,
            f"cannot be read as UTF-8 JSON: {exc}",
            f"UTF-8 の JSON として読めません: {exc}",
        ) from exc
    fields = descriptor.get("fields") if isinstance(descriptor, dict) else None
    if not isinstance(fields, list) or not fields:
        raise _schema_file_fault(
            path,
            'must be a Table Schema: {"fields": [{"name": ..., "type": ...}, ...]}',
            'Table Schema の形（{"fields": [{"name": ..., "type": ...}, ...]}）で書いてください',
        )
    names = [f.get("name") if isinstance(f, dict) else None for f in fields]
    for i, name in enumerate(names):
        if not isinstance(name, str) or not name.strip():
            raise _schema_file_fault(
                path, f"fields[{i}] needs a name", f"fields[{i}] に name を書いてください"
            )
    repeated = sorted({str(n) for n in names if names.count(n) > 1})
    if repeated:
        raise _schema_file_fault(
            path,
            f"field names must be unique; repeated: {repeated}",
            f"列名が重複しています: {repeated}",
        )
    report = Schema.validate_descriptor(descriptor)
    if not report.valid:
        first = report.errors[0].message
        raise _schema_file_fault(
            path,
            f"is not a valid Table Schema: {first}",
            f"Table Schema として正しくありません: {first}",
        )
    return descriptor


# -- a dataset's own schema --------------------------------------------------------------------
# Most of what a city holds follows no national standard. Such a dataset names its own
# Frictionless Table Schema (``schema: schema.json`` in its manifest); it becomes the same
# StandardSchema the standards are, so normalisation, validation, reports, outputs and
# publishing treat it exactly like one (one code path, not two). Here, beside the standards,
# because the readers, the publisher and the validators all ask for it.


@cache
def _load_own(path: Path, mtime_ns: int, slug: str, title_ja: str, title_en: str) -> StandardSchema:
    return StandardSchema(
        slug=slug,
        layout="current",
        title_ja=title_ja,
        title_en=title_en,
        number=None,
        version=None,
        path=path,
        descriptor=read_descriptor(path),
    )


def own_schema(manifest: Any) -> StandardSchema | None:
    """The manifest's own schema (a ``tsunagu.manifest.Manifest``, not imported: the manifest
    reads this module) as a standard-like schema; None for a standard.

    Read again whenever the file changes (``describe --write``, an accepted drift), else cached.
    """
    path = manifest.own_schema
    if path is None:
        return None
    resolved = path.resolve()
    return _load_own(
        resolved,
        resolved.stat().st_mtime_ns,
        manifest.schema_slug,
        manifest.title.ja,
        manifest.title.en,
    )


def registry_for(registry: SchemaRegistry, manifest: Any) -> SchemaRegistry:
    """The standards plus the manifest's own schema, if it has one (slug ``own:<id>``)."""
    schema = own_schema(manifest) if manifest is not None else None
    if schema is None:
        return registry
    return SchemaRegistry([*registry.all(), schema])
