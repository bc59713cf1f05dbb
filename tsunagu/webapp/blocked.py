"""Datasets that exist but are not published because validation blocked them (issue 13).

A search for 文化財 on the demo finds nothing, although the 文化課 has handed in 指定文化財一覧:
its last publish was blocked. People deserve to know it exists and why it is missing. The
audit log (``<data dir>/audit.jsonl``, written by every publish) says which datasets' latest
attempt was blocked and the reason; the manifest under the datasets folder gives the title.
A dataset published later, or present in the catalogue, is not listed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tsunagu.catalogue.search_text import fold, matches


@dataclass(frozen=True)
class Blocked:
    id: str
    title_ja: str
    title_en: str
    reason: str
    at: str

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" and self.title_en else self.title_ja

    def search_text(self) -> str:
        return fold(" ".join((self.id, self.title_ja, self.title_en, self.reason)))


def _latest_actions(audit_path: Path) -> dict[str, dict[str, Any]]:
    """The last publish or blocked record per dataset id."""
    latest: dict[str, dict[str, Any]] = {}
    try:
        lines = audit_path.read_text(encoding="utf-8").split("\n")
    except OSError:
        return latest
    for line in lines:
        try:
            entry = json.loads(line) if line else None
        except ValueError:
            continue
        if (
            isinstance(entry, dict)
            and isinstance(entry.get("dataset"), str)
            and entry.get("action") in ("blocked", "publish", "remove")
        ):
            latest[entry["dataset"]] = entry
    return latest


def _titles(datasets_dir: Path) -> dict[str, tuple[str, str]]:
    """id → (ja, en) titles of the manifests below ``datasets_dir`` (unreadable ones skipped)."""
    titles: dict[str, tuple[str, str]] = {}
    if not datasets_dir.is_dir():
        return titles
    for path in sorted(datasets_dir.rglob("dataset.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            title = raw if isinstance(raw := data.get("title"), dict) else {}
            titles[data["id"]] = (str(title.get("ja", "")), str(title.get("en", "")))
    return titles


def blocked_datasets(data_dir: Path, datasets_dir: Path, published: set[str]) -> list[Blocked]:
    """Datasets whose latest attempt was blocked and that are not in the catalogue."""
    found = []
    titles: dict[str, tuple[str, str]] | None = None
    for dataset_id, entry in sorted(_latest_actions(data_dir / "audit.jsonl").items()):
        if entry.get("action") != "blocked" or dataset_id in published:
            continue
        titles = _titles(datasets_dir) if titles is None else titles
        ja, en = titles.get(dataset_id, ("", ""))
        found.append(
            Blocked(dataset_id, ja or dataset_id, en, str(entry.get("reason", "")), entry["at"])
        )
    return found


def blocked_matching(
    q: str, data_dir: Path, datasets_dir: Path, published: set[str]
) -> list[Blocked]:
    """The blocked datasets a search for ``q`` would have found."""
    if not q.strip():
        return []
    return [
        b
        for b in blocked_datasets(data_dir, datasets_dir, published)
        if matches(q, b.search_text())
    ]
