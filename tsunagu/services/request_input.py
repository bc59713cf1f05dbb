"""Request parameters that cannot hurt the server: strict JSON and bounded whole numbers.

Python's ``json`` accepts ``Infinity``/``NaN`` and turns ``1e400`` into ``inf`` (then
``int(inf)`` raises ``OverflowError``), and it recurses once per nesting level, so a body of
100 000 ``[`` raises ``RecursionError``: each was a 500. Here bad input is a
:class:`BadRequestInput` (400 with the project's error shape), never a traceback. The standard
library parser is kept (a depth pre-scan is cheaper than another dependency); only its holes are
closed.
"""

from __future__ import annotations

import json
import math
from typing import Any

from tsunagu.errors import TsunaguError

MAX_JSON_DEPTH = 64
#: The largest whole number a parameter may carry: SQLite's and PostgreSQL's BIGINT.
MAX_INTEGER = 2**63 - 1


class BadRequestInput(TsunaguError):
    http_status = 400
    code = "bad-request"


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number out of range: {text[:40]}")
    return value


def _no_constant(text: str) -> Any:
    raise ValueError(f"{text} is not JSON")


def _depth(text: str) -> int:
    """Deepest bracket nesting outside strings (a linear scan, no recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def strict_json(text: str | bytes, what: str = "body") -> Any:
    """Parse JSON text: at most :data:`MAX_JSON_DEPTH` deep, finite numbers only."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadRequestInput(
                f"the {what} is not UTF-8 JSON",
                message_ja=f"{what} が UTF-8 の JSON ではありません",
            ) from None
    if _depth(text) > MAX_JSON_DEPTH:
        raise BadRequestInput(
            f"the {what} is nested deeper than {MAX_JSON_DEPTH} levels",
            message_ja=f"{what} の入れ子が {MAX_JSON_DEPTH} 段を超えています",
        )
    try:
        return json.loads(text, parse_float=_finite, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise BadRequestInput(
            f"the {what} is not valid JSON: {str(exc)[:200]}",
            message_ja=f"{what} が正しい JSON ではありません: {str(exc)[:200]}",
        ) from None


def bounded_int(value: Any, lowest: int = -MAX_INTEGER, highest: int = MAX_INTEGER) -> int:
    """A whole number within bounds, from text or JSON; ValueError otherwise (callers phrase
    the message in their API's own shape)."""
    if isinstance(value, bool) or value is None:
        raise ValueError("not a whole number")
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise ValueError("not a whole number")
        value = int(value)
    elif not isinstance(value, int):
        text = str(value).strip()
        if len(text) > 20:  # 19 digits and a sign: anything longer is out of range anyway
            raise ValueError("number out of range")
        value = int(text)
    if not lowest <= value <= highest:
        raise ValueError("number out of range")
    return value
