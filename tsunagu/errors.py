"""Data problems as records, program faults as one exception tree.

A department's bad cell is not an exception: it is a :class:`Problem` added to a
:class:`~tsunagu.model.Report`, so every problem in a file is found in one pass and shown together.
Exceptions are for what stops the work: an unreadable file, a bad manifest, a catalogue that
does not answer. They all derive from :class:`TsunaguError`, carry a stable ``code`` and a message
in Japanese and English, and keep internal detail apart from what a user is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Self


class Severity(StrEnum):
    """How much a problem matters. ``error`` and ``block`` stop publishing; ``block`` cannot be
    overridden by anyone (a column of valid マイナンバー)."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    BLOCK = "block"

    @property
    def blocks_publishing(self) -> bool:
        return self in (Severity.ERROR, Severity.BLOCK)

    @property
    def rank(self) -> int:
        return ["info", "warning", "error", "block"].index(self.value)


@dataclass(frozen=True)
class Location:
    """Where a problem is: file, sheet, row (as the department sees it in their file), column.

    ``row`` is the 1-based row number in the department's own file (the line in a CSV, the row
    in Excel), not an index into a cleaned table, so they can find it. ``byte_offset`` is set for
    encoding problems, ``feature`` for GIS features.
    """

    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    byte_offset: int | None = None
    feature: int | str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Problem:
    """One data problem. The message is rendered from ``tsunagu/texts/*.yaml`` by ``code``."""

    code: str
    severity: Severity
    location: Location = field(default_factory=Location)
    params: dict[str, Any] = field(default_factory=dict)
    rule: str | None = None  # external rule id (Frictionless error type, machine-readability rule)

    def message(self, lang: str = "ja") -> str:
        from tsunagu.messages import render_problem

        return render_problem(self, lang)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity.value,
            "location": self.location.to_dict(),
            "params": {k: _jsonable(v) for k, v in self.params.items()},
            "message": {"ja": self.message("ja"), "en": self.message("en")},
        }
        if self.rule:
            out["rule"] = self.rule
        return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)


class TsunaguError(Exception):
    """Root of every fault Tsunagu raises on purpose.

    ``message_en``/``message_ja`` are safe to show a user; ``detail`` is for logs only.
    ``problem`` is set when the fault is about the input (an empty file, undecodable bytes), so
    reports and the CLI can show it like any other problem.
    """

    code = "tsunagu-error"
    http_status = 500

    def __init__(
        self,
        message_en: str,
        *,
        message_ja: str | None = None,
        code: str | None = None,
        detail: str | None = None,
        problem: Problem | None = None,
    ) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_ja = message_ja or message_en
        if code:
            self.code = code
        self.detail = detail
        self.problem = problem

    @classmethod
    def from_problem(cls, problem: Problem, *, detail: str | None = None) -> Self:
        """Raise-able wrapper around an input problem, with both languages rendered."""
        return cls(
            problem.message("en"),
            message_ja=problem.message("ja"),
            code=problem.code,
            detail=detail,
            problem=problem,
        )

    @property
    def user_message(self) -> str:
        return f"{self.message_ja}\n{self.message_en}"


class ConfigError(TsunaguError):
    """Settings or a manifest are wrong; names the field and the bad value."""

    code = "config-error"
    http_status = 400
    #: the setting at fault, when one is: load_settings then adds where it was set
    setting: str | None = None


class ManifestError(ConfigError):
    code = "manifest-invalid"

    @classmethod
    def at(cls, path: object, field_name: str, en: str, ja: str) -> ManifestError:
        """The one shape of a manifest error: ``<file>: field '<field path>': …``, so a user
        finds the line whichever check (a type, a path, a licence) refused it."""
        return cls(
            f"{path}: field '{field_name}': {en}",
            message_ja=f"{path} の項目「{field_name}」: {ja}",
        )


class SchemaNotFound(ConfigError):
    code = "schema-not-found"
    http_status = 404


class FormatError(TsunaguError):
    """The input cannot be read as what it claims to be (empty, binary, undecodable, too big)."""

    code = "format-error"
    http_status = 400


class CatalogueError(TsunaguError):
    code = "catalogue-error"
    http_status = 502


class CatalogueUnavailable(CatalogueError):
    """Network trouble or a 5xx: worth retrying."""

    code = "catalogue-unavailable"
    http_status = 503


class CatalogueConflict(CatalogueError):
    code = "catalogue-conflict"
    http_status = 409


class DatasetNotFound(CatalogueError):
    code = "dataset-not-found"
    http_status = 404


class PermissionDenied(CatalogueError):
    code = "permission-denied"
    http_status = 403


class PublishError(TsunaguError):
    code = "publish-error"
    http_status = 500


class DatasetBusy(PublishError):
    """Another run holds the dataset's lock and this one was told not to wait."""

    code = "dataset-busy"
    http_status = 409


class StorageFault(PublishError):
    """Writing failed at the operating system (disk full, quota, file too large, I/O error)."""

    code = "storage-fault"
    http_status = 507

    @classmethod
    def from_os_error(cls, exc: OSError) -> StorageFault:
        """The fault as an operator reads it: what happened, to which file, what to do."""
        import errno

        where = exc.filename or ""
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            en, ja = "the disk is full", "ディスクの空きがありません"
            fix_en, fix_ja = "free space in the data folder", "データフォルダの空きを増やして"
        elif exc.errno == errno.EFBIG:
            en, ja = "a file grew past the size limit", "ファイルがサイズの上限を超えました"
            fix_en, fix_ja = "raise the file size limit", "ファイルサイズの上限を上げて"
        else:
            en, ja = f"a read or write failed ({exc.strerror or exc})", "読み書きに失敗しました"
            fix_en, fix_ja = "check the disk", "ディスクを確認して"
        return cls(
            f"Not published: {en}{f' ({where})' if where else ''}. Nothing was changed in the"
            f" catalogue and no work files were left; {fix_en}, then publish again",
            message_ja=f"公開しませんでした: {ja}{f'（{where}）' if where else ''}。カタログは"
            f"変更されず、作業ファイルも残っていません。{fix_ja}からもう一度公開してください",
            detail=repr(exc),
        )
