"""Append-only, hash-chained audit log (JSON lines) of every publish and removal.

Records are separated by "\n" only (never ``splitlines``, which also splits at U+2028 inside
a JSON string). Each record carries the SHA-256 of the previous line, so an edited or deleted
line breaks the chain and :func:`verify_chain` finds it. User-controlled strings are
JSON-escaped (one event is always one line, whatever CR/LF a file name holds); tokens and cell
values are never logged.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

GENESIS = "0" * 64


def _digest(line: str) -> str:
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = path

    def record(self, action: str, actor: str, **details: Any) -> dict[str, Any]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)  # concurrent publishers append one at a time
            fh.seek(0)
            records = [line for line in fh.read().split("\n") if line]
            last = records[-1] if records else ""
            entry = {
                "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "actor": actor,
                "action": action,
                **details,
                "prev": _digest(last) if last else GENESIS,
            }
            fh.seek(0, 2)
            fh.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
            fh.flush()
        return entry

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [
            json.loads(line) for line in self.path.read_text(encoding="utf-8").split("\n") if line
        ]


def verify_chain(path: Path) -> int | None:
    """Line number (1-based) of the first record whose ``prev`` does not match, else None."""
    previous = None
    records = [line for line in path.read_text(encoding="utf-8").split("\n") if line]
    for number, line in enumerate(records, start=1):
        expected = _digest(previous) if previous is not None else GENESIS
        if json.loads(line).get("prev") != expected:
            return number
        previous = line
    return None
