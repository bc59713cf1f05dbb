"""A name → ``"module:attr"`` registry with lazy imports.

Readers, writers, checks and catalogues are chosen by name through one of these, never by an
if-chain, and a heavy library (geopandas, openpyxl) is imported only when its entry is used.
Built-ins register exactly as an extension would (house style §3.2 c).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

from tsunagu.errors import ConfigError


class Registry:
    def __init__(self, kind: str, entries: dict[str, str] | None = None) -> None:
        self.kind = kind
        self._entries: dict[str, str] = dict(entries or {})
        self._loaded: dict[str, Any] = {}

    def register(self, name: str, target: str) -> None:
        """Add ``name`` → ``"package.module:Attr"``; re-registering a name is refused."""
        if name in self._entries and self._entries[name] != target:
            raise ConfigError(f"{self.kind} {name!r} is already registered")
        self._entries[name] = target

    def load(self, name: str) -> Any:
        if name not in self._entries:
            known = ", ".join(sorted(self._entries))
            raise ConfigError(
                f'unknown {self.kind} "{name}"; known: {known}',
                message_ja=f"不明な{self.kind}「{name}」です。使えるもの: {known}",
                code=f"unknown-{self.kind}",
            )
        if name not in self._loaded:
            module_name, _, attr = self._entries[name].partition(":")
            self._loaded[name] = getattr(importlib.import_module(module_name), attr)
        return self._loaded[name]

    def names(self) -> list[str]:
        return list(self._entries)

    def items(self) -> Iterator[tuple[str, Any]]:
        for name in self._entries:
            yield name, self.load(name)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __len__(self) -> int:
        return len(self._entries)
