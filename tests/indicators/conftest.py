"""A catalogue with a known history, written at frozen instants (the catalogue's clock and the
audit log's clock are both set by the test), plus known use counts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tsunagu.catalogue import local as local_module
from tsunagu.catalogue.base import DatasetMeta, PublishRequest, ResourceFile
from tsunagu.catalogue.local import LocalCatalogue
from tsunagu.catalogue.usage import UsageStore
from tsunagu.config import load_settings
from tsunagu.publisher import audit as audit_module
from tsunagu.publisher.audit import AuditLog

RULES = ["1-2", "1-3", "1-4", "1-5", "1-7", "1-10", "cas-hidden", "cas-outside-notes"]


def quality(cells: int, problem_cells: int, warnings: int, failed: list[str]) -> dict[str, Any]:
    return {
        "cells": cells,
        "problem_cells": problem_cells,
        "problems": {"info": 0, "warning": warnings, "error": 0, "block": 0},
        "rules_passed": [r for r in RULES if r not in failed],
        "rules_failed": failed,
    }


class _FrozenDatetime(datetime):
    frozen: datetime

    @classmethod
    def now(cls, tz=None):
        return cls.frozen if tz is not None else cls.frozen.replace(tzinfo=None)


@dataclass
class History:
    settings: Any
    catalogue: LocalCatalogue
    audit: AuditLog
    usage: UsageStore
    folder: Path
    monkeypatch: pytest.MonkeyPatch

    def at(self, when: str) -> None:
        instant = datetime.fromisoformat(when).replace(tzinfo=UTC)
        _FrozenDatetime.frozen = instant
        self.monkeypatch.setattr(local_module, "_now", lambda: instant.isoformat("T", "seconds"))
        self.monkeypatch.setattr(audit_module, "datetime", _FrozenDatetime)

    def publish(
        self,
        when: str,
        dataset_id: str,
        department: str,
        standard: str,
        frequency: str,
        q: dict[str, Any],
        received: str | None = None,
        content: str = "",
    ) -> None:
        self.at(when)
        path = self.folder / f"{dataset_id}-{when[:10]}.csv"
        path.write_text(content or f"名称,値\r\n{dataset_id},{when}\r\n", encoding="utf-8")
        data = path.read_bytes()
        res = ResourceFile(
            "csv", path, f"{dataset_id}.csv", "CSV", "text/csv",
            hashlib.sha256(data).hexdigest(), len(data),
        )  # fmt: skip
        meta = DatasetMeta(
            id=dataset_id,
            title_ja=f"{dataset_id} の一覧",
            title_en=f"{dataset_id} list",
            description_ja="",
            description_en="",
            organisation=department,
            organisation_title_ja=f"{department}課",
            organisation_title_en=f"{department} division",
            standard=standard,
            standard_title=standard,
            licence="CC-BY-4.0",
            update_frequency=frequency,
        )
        result = self.catalogue.publish(PublishRequest(meta, (res,)))
        extra = {"received": received} if received else {}
        self.audit.record(
            "publish", "cli", dataset=dataset_id, catalogue="local", result=result.action,
            version=result.version, quality={dataset_id: q}, **extra,
        )  # fmt: skip

    def blocked(self, when: str, dataset_id: str, department: str, standard: str) -> None:
        self.at(when)
        self.audit.record(
            "blocked", "cli", dataset=dataset_id, catalogue="local", reason="1 件のエラー",
            department=department, department_title={"ja": f"{department}課", "en": department},
            standard=standard, quality={dataset_id: quality(10, 1, 0, [])},
        )  # fmt: skip


@pytest.fixture
def history(tmp_path, monkeypatch) -> History:
    settings = load_settings({"data_dir": tmp_path / "instance"}, env={})
    catalogue = LocalCatalogue.from_settings(settings)
    folder = tmp_path / "files"
    folder.mkdir()
    return History(
        settings,
        catalogue,
        AuditLog(settings.data_dir / "audit.jsonl"),
        UsageStore(catalogue.engine),
        folder,
        monkeypatch,
    )


@pytest.fixture
def kashiwa(history: History) -> History:
    """The history every figure in test_compute.py is worked out from (see its docstring)."""
    h = history
    h.publish(
        "2026-03-01T10:00:00",
        "aed",
        "kenko",
        "aed-installations",
        "yearly",
        quality(100, 5, 6, ["1-10"]),
    )
    h.blocked("2026-03-02T09:00:00", "toilets", "koen", "public-toilets")
    h.publish(
        "2026-03-04T21:00:00",
        "toilets",
        "koen",
        "public-toilets",
        "weekly",
        quality(50, 0, 0, []),
        received="2026-03-04T09:00:00+00:00",
    )
    h.publish(
        "2026-03-10T00:00:00", "aed", "kenko", "aed-installations", "yearly", quality(100, 1, 1, [])
    )
    h.blocked("2026-03-20T12:00:00", "bunka-props", "bunka", "cultural-properties")
    h.publish("2026-03-23T00:00:00", "my-own", "shimin", "", "weekly", quality(20, 0, 0, []))
    h.usage.add({
        ("2026-03-29", "page", "aed", ""): 3,
        ("2026-03-29", "download", "aed", "csv"): 2,
        ("2026-03-30", "api", "aed", ""): 5,
        ("2026-03-30", "api", "", ""): 4,
        ("2026-03-30", "download", "toilets", "csv"): 1,
        ("2026-02-01", "download", "aed", "csv"): 100,
        ("2026-03-30", "download", "removed-dataset", "csv"): 7,
    })  # fmt: skip
    return h
