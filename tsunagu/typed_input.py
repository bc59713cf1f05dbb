"""Typed input in the project's words: pydantic checks and coerces, this names file and field.

Manifests and settings are typed by pydantic (a library, not hand-written ``int(...)`` calls
that crashed with a raw ``ValueError`` on ``header_row: abc``). Its :class:`ValidationError`
speaks English only and names fields as tuples, so :func:`problems` turns each error into a
field path as a user writes it (``sources[0].header_row``) and a sentence in Japanese and
English. Callers wrap that in their own :class:`~tsunagu.errors.ManifestError` or
:class:`~tsunagu.errors.ConfigError`, which add the file (or environment variable).

Ground floor: imports nothing from Tsunagu, so the manifest and the settings can both use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError

#: pydantic error type → what to write instead, in Japanese (``{…}`` from the error's context).
_JA = {
    "missing": "必須です",
    "extra_forbidden": "不明な項目です",
    "int_parsing": "整数で書いてください",
    "int_type": "整数で書いてください",
    "int_from_float": "整数で書いてください",
    "float_parsing": "数値で書いてください",
    "float_type": "数値で書いてください",
    "finite_number": "有限の数値で書いてください",
    "string_type": "文字列で書いてください",
    "bool_parsing": "true か false で書いてください",
    "bool_type": "true か false で書いてください",
    "list_type": "リスト（- で始まる行）で書いてください",
    "tuple_type": "リストで書いてください",
    "too_short": "要素が足りません",
    "too_long": "要素が多すぎます",
    "dict_type": "「項目: 値」の形で書いてください",
    "model_type": "「項目: 値」の形で書いてください",
    "model_attributes_type": "「項目: 値」の形で書いてください",
    "path_type": "ファイルやフォルダのパスを書いてください",
    "greater_than_equal": "{ge} 以上にしてください",
    "greater_than": "{gt} より大きくしてください",
    "less_than_equal": "{le} 以下にしてください",
    "less_than": "{lt} より小さくしてください",
    "literal_error": "次のどれかにしてください: {expected}",
}
#: … and in English, where pydantic's own sentence would name an internal class.
_EN = {
    "extra_forbidden": "unknown field",
    "model_type": "must be a mapping (key: value lines)",
    "model_attributes_type": "must be a mapping (key: value lines)",
    "dict_type": "must be a mapping (key: value lines)",
}
_NO_VALUE = {"missing", "extra_forbidden"}  # their "input" is the parent mapping, not a value


@dataclass(frozen=True)
class FieldProblem:
    """One wrong field: its path as written in the file, and what is wrong, in ja and en."""

    field: str
    message_en: str
    message_ja: str


def field_path(loc: Sequence[int | str], prefix: str = "") -> str:
    """``("sources", 0, "header_row")`` → ``sources[0].header_row``."""
    text = prefix
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def problems(exc: ValidationError, prefix: str = "") -> list[FieldProblem]:
    """Every error of ``exc`` as a :class:`FieldProblem`, in pydantic's order."""
    found = []
    for error in exc.errors(include_url=False):
        kind = error["type"]
        context = {k: _shown(v) for k, v in (error.get("ctx") or {}).items()}
        ja = _JA.get(kind, "値が正しくありません").format(**context)
        en = _EN.get(kind, str(error["msg"]))
        if kind not in _NO_VALUE:
            shown = _shown(error.get("input"))
            en += f', got "{shown}"'
            ja += f"（「{shown}」）"
        found.append(FieldProblem(field_path(error["loc"], prefix), en, ja))
    return found


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
