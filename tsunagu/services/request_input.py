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
import re
from collections.abc import Mapping
from functools import cache
from typing import Annotated, Any

from tsunagu.errors import TsunaguError

MAX_JSON_DEPTH = 64
#: The largest whole number a parameter may carry: SQLite's and PostgreSQL's BIGINT.
MAX_INTEGER = 2**63 - 1


class BadRequestInput(TsunaguError):
    http_status = 400
    code = "bad-request"


#: One code per kind of mistake in a query parameter, the same on every route (issue 12: the
#: same ``limit=x`` once got three codes, one per blueprint). A client branches on the kind;
#: which parameter it was is in the message.
NOT_INTEGER = "parameter-not-integer"  # limit=x, 1.5, 1e400, １０
OUT_OF_RANGE = "parameter-out-of-range"  # limit=-1, a 23-digit offset, past the route's cap
UNKNOWN_PARAMETER = "parameter-unknown"  # a filter on a field the data does not have
INVALID_VALUE = "parameter-invalid"  # any other malformed value: bbox, sort, datetime, f, crs
_WHOLE = re.compile(r"-?[0-9]+")


class BadParameter(BadRequestInput):
    """A query parameter a route cannot use; ``code`` is the kind of mistake (see above).

    Routes keep their own subclasses (rows, features, OGC) so their own handlers can catch
    them, but the class never decides the code: the kind of mistake does.
    """

    code = INVALID_VALUE


def query_int(
    args: Mapping[str, str],
    name: str,
    default: int | None,
    low: int,
    high: int | None,
    error: type[BadParameter] = BadParameter,
) -> int | None:
    """``args[name]`` as a whole number in ``[low, high]`` (``high=None``: up to
    :data:`MAX_INTEGER`, what a database column holds), or
    ``default`` when absent or empty. Only ASCII digits count: ``1e400`` and ``１０`` are not
    whole numbers to a URL, whatever Python's ``int`` would make of them."""
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    upper_en = f"to {high}" if high is not None else "or more"
    upper_ja = f"〜{high}" if high is not None else " 以上"
    if not _WHOLE.fullmatch(raw):
        raise error(
            f'{name} must be a whole number from {low} {upper_en}, got "{raw[:40]}"',
            message_ja=f"{name} は {low}{upper_ja} の整数で指定してください（「{raw[:40]}」）",
            code=NOT_INTEGER,
        )
    from pydantic import ValidationError

    try:  # longer than 20 digits is past any bound: said without parsing a huge number
        if len(raw.lstrip("-")) > 20:
            raise ValueError(raw[:40])
        # pydantic coerces and bounds; the grammar above is a URL's (ASCII digits only)
        return _whole_number(low, MAX_INTEGER if high is None else high).validate_python(raw)
    except (ValidationError, ValueError):
        raise error(
            f'{name} must be from {low} {upper_en}, got "{raw[:40]}"',
            message_ja=f"{name} は {low}{upper_ja} で指定してください（「{raw[:40]}」）",
            code=OUT_OF_RANGE,
        ) from None


#: The longest free-text ``q`` a route searches with (rows, features, the dataset search).
MAX_Q_CHARS = 200


def query_text(args: Mapping[str, str], name: str, error: type[BadParameter] = BadParameter) -> str:
    """``args[name]`` (empty when absent) of at most :data:`MAX_Q_CHARS` characters.

    A longer one is refused rather than cut: a search for the first 200 characters of what
    was asked would answer a question nobody asked, and every route says so the same way."""
    text = args.get(name) or ""
    if len(text) > MAX_Q_CHARS:
        raise error(
            f"{name} is longer than {MAX_Q_CHARS} characters",
            message_ja=f"{name} は{MAX_Q_CHARS}文字以内で指定してください",
            code=OUT_OF_RANGE,
        )
    return text


@cache
def _whole_number(low: int, high: int) -> Any:
    """A pydantic validator of whole numbers in ``[low, high]``, built once per bound pair."""
    from pydantic import Field, TypeAdapter

    return TypeAdapter(Annotated[int, Field(ge=low, le=high)])


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
