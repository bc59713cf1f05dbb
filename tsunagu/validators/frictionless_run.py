"""Frictionless validation of a normalized table, with every error mapped to a Problem.

Frictionless 5 runs in *untrusted* mode: it refuses absolute paths and ``..`` (see
``shared/quality/security-and-bad-inputs.md`` §2.2). We keep it that way on purpose and never set
``system.trusted``: the table is written as UTF-8 CSV into a private temporary directory and
validated by a *relative* name with that directory as the base path. Our own input handling
refuses absolute names, ``..`` and schema descriptors that would make Frictionless load anything
(a path string, ``path``/``$ref`` keys, remote references), because untrusted mode does not stop
remote URLs.

Every error is reported (``limit_errors=0``): a department must see all their problems in one
pass. Frictionless row numbers count the CSV we wrote; they are translated back to the row in the
department's own file through ``draft.table.index``.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from tsunagu.errors import ConfigError, Problem, Severity
from tsunagu.messages import render

if TYPE_CHECKING:
    import frictionless
    import pandas as pd

    from tsunagu.model import Draft
    from tsunagu.validators.check import SchemaLike

# Frictionless error types that are about the department's table; each has a text of its own.
TABLE_ERROR_TYPES = frozenset(
    {
        "type-error",
        "constraint-error",
        "unique-error",
        "primary-key",
        "foreign-key",
        "missing-cell",
        "extra-cell",
        "blank-row",
        "duplicate-label",
        "missing-label",
        "extra-label",
        "incorrect-label",
        "blank-label",
    }
)
LABEL_ERROR_TYPES = frozenset(
    {"duplicate-label", "missing-label", "extra-label", "incorrect-label", "blank-label"}
)
OTHER_ERROR_CODE = "frictionless-error"
TABLE_NAME = "table.csv"
_UNSAFE_KEYS = frozenset({"path", "$ref"})
_CONSTRAINT_NOTE = re.compile(r'constraint "(?P<name>\w+)"')
_POSITION_NOTE = re.compile(r"position (?P<position>\d+)")


def validate_table(draft: Draft, schema: SchemaLike) -> tuple[list[Problem], dict[str, Any]]:
    """Validate ``draft.table`` against ``schema``; return the problems and Frictionless' report."""
    table = _attribute_columns(draft.table)
    duplicated = table.columns.duplicated()
    # Frictionless matches fields by name, which needs unique labels; say which, keep the first.
    problems = [
        problem_from_error({"type": "duplicate-label", "label": str(label)}, draft, schema)
        for label in dict.fromkeys(table.columns[duplicated])
    ]
    table = table.loc[:, ~duplicated]
    with tempfile.TemporaryDirectory(prefix="tsunagu-validate-") as workdir:
        table.to_csv(Path(workdir) / TABLE_NAME, index=False, encoding="utf-8", lineterminator="\n")
        report = validate_csv(Path(workdir), TABLE_NAME, schema.frictionless_descriptor())
    descriptor = without_timings(report.to_descriptor())
    errors = [e for task in descriptor.get("tasks", []) for e in task.get("errors", [])]
    problems += [problem_from_error(e, draft, schema) for e in errors]
    return problems, descriptor


def without_timings(value: Any) -> Any:
    """Drop Frictionless' wall-clock ``seconds``, so the same
    table always gives the same report and re-publishing an unchanged dataset uploads nothing."""
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def validate_csv(workdir: Path, name: str, descriptor: Mapping[str, Any]) -> frictionless.Report:
    """Validate ``workdir/name`` by relative path, reporting every error.

    Raises :class:`ConfigError` for a name or descriptor that reaches outside ``workdir``; those
    come from our code or configuration, never from a department's data.
    """
    from frictionless import Detector, FrictionlessException, Resource, Schema

    _refuse_unsafe_name(name)
    safe = safe_descriptor(descriptor)
    safe.setdefault("missingValues", [""])
    try:
        fl_schema = Schema.from_descriptor(safe)
    except FrictionlessException as exc:
        raise ConfigError(
            f"the standard schema is not a valid Table Schema: {exc}",
            message_ja=f"標準スキーマが Table Schema として正しくありません: {exc}",
            code="schema-invalid",
        ) from exc
    resource = Resource(
        path=name,
        basepath=str(workdir),
        schema=fl_schema,
        format="csv",
        encoding="utf-8",
        # Match fields by header name, so a missing optional column is not a shifted table;
        # a missing *required* column is still reported as missing-label.
        detector=Detector(schema_sync=True),
    )
    return resource.validate(limit_errors=0)


def _refuse_unsafe_name(name: str) -> None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or re.match(r"^[A-Za-z][\w+.-]*:", name):
        raise ConfigError(
            f'refusing to validate "{name}": only a plain name inside the working directory',
            message_ja=f"「{name}」は検証できません（作業ディレクトリ内の名前だけを使えます）",
            code="validation-path-unsafe",
        )


def safe_descriptor(descriptor: Any) -> dict[str, Any]:
    """A deep copy of a schema descriptor, refused if it could make Frictionless load anything."""
    if not isinstance(descriptor, Mapping):
        raise ConfigError(
            f"a schema must be given as a descriptor mapping, not {type(descriptor).__name__}",
            message_ja="スキーマはパスではなく辞書（descriptor）で渡してください",
            code="schema-descriptor-unsafe",
        )
    return _copy_checked(descriptor)


def _copy_checked(value: Any) -> Any:
    if isinstance(value, Mapping):
        bad = _UNSAFE_KEYS.intersection(value)
        if bad:
            raise ConfigError(
                f"schema descriptor refers to an outside resource ({', '.join(sorted(bad))})",
                message_ja="スキーマが外部のファイルや URL を参照しています。参照を外してください",
                code="schema-descriptor-unsafe",
            )
        return {str(k): _copy_checked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_copy_checked(v) for v in value]
    return value


def _attribute_columns(table: pd.DataFrame) -> pd.DataFrame:
    """The table without geometry columns (GIS drafts), which are checked by the geo room."""
    keep = [getattr(dtype, "name", "") != "geometry" for dtype in table.dtypes]
    return table.loc[:, keep]


def problem_from_error(error: dict[str, Any], draft: Draft, schema: SchemaLike) -> Problem:
    """One Frictionless error → one Problem located in the department's own file."""
    kind = error.get("type", "error")
    field_name = error.get("fieldName") or error.get("label") or None
    if kind == "primary-key" and not field_name:
        key = schema.frictionless_descriptor().get("primaryKey") or [None]
        field_name = key if isinstance(key, str) else key[0]
    row_number = error.get("rowNumber")
    if kind in LABEL_ERROR_TYPES:
        location = draft.location(
            draft.source.header_row or draft.report.facts.get("header_row"), field_name
        )
    elif row_number is not None:  # data row k of the CSV we wrote is row k + 1 (the header)
        location = draft.cell_location(int(row_number) - 2, field_name)
    else:
        location = draft.location(None, field_name)
    params = _params(error, draft, schema, field_name)
    if kind not in TABLE_ERROR_TYPES:
        params["type"] = kind
    return Problem(
        code=kind if kind in TABLE_ERROR_TYPES else OTHER_ERROR_CODE,
        severity=Severity.ERROR,
        location=location,
        params=params,
        rule=kind,
    )


def _file_row(draft: Draft, row_number: int | None) -> int | None:
    """Frictionless counts the header as row 1 of the CSV we wrote; data row k is k + 1."""
    if row_number is None:
        return None
    position = int(row_number) - 2
    index = draft.table.index
    return int(index[position]) if 0 <= position < len(index) else None


def _params(
    error: dict[str, Any], draft: Draft, schema: SchemaLike, field_name: str | None
) -> dict[str, Any]:
    note = error.get("note", "")
    spec = schema.field(field_name) if field_name in schema.field_names else {}
    field_type = spec.get("type", "") if field_name else ""
    match = _CONSTRAINT_NOTE.search(note)
    constraint = match["name"] if match else ""
    params: dict[str, Any] = {
        "cell": error.get("cell", ""),
        "field_type": field_type,
        "constraint": constraint,
        "note": note,
        "field": field_name or error.get("label", ""),
    }
    hint = _hint_code(error.get("type", ""), field_type, constraint)
    if hint:
        hint_params = {
            "limit": _limit(spec, constraint),
            "example": spec.get("example", ""),
            "field_type": field_type,
        }
        params["hint_ja"] = render(hint, "ja", **hint_params)
        params["hint_en"] = render(hint, "en", **hint_params)
    position = _POSITION_NOTE.search(note)
    if position:
        params["other_row"] = _file_row(draft, int(position["position"]))
    return params


_TYPE_HINTS = frozenset({"date", "time", "datetime", "integer", "number", "boolean", "year"})
_CONSTRAINT_HINTS = frozenset(
    {"required", "pattern", "enum", "minimum", "maximum", "minLength", "maxLength", "unique"}
)


def _hint_code(kind: str, field_type: str, constraint: str) -> str | None:
    if kind == "type-error":
        return f"hint-type-{field_type}" if field_type in _TYPE_HINTS else "hint-type-other"
    if kind == "constraint-error":
        if constraint in _CONSTRAINT_HINTS:
            return f"hint-constraint-{constraint.lower()}"
        return "hint-constraint-other"
    return None


def _limit(spec: dict[str, Any], constraint: str) -> str:
    value = spec.get("constraints", {}).get(constraint, "")
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)
