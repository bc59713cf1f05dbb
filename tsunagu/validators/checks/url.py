"""``url``: URL columns hold one well-formed http(s) URL, nothing else.

Published URLs end up as links on the catalogue and map pages, so a ``javascript:`` or ``data:``
value is a script injection waiting to happen, and a bare ``www.…`` or a URL with spaces is a
broken link. Only absolute ``http``/``https`` URLs with a host are accepted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from tsunagu.errors import Problem, Severity
from tsunagu.validators.check import CheckContext, rows_of

# scheme://host[:port][/path][?query][#fragment]; host labels of letters, digits and hyphens
# (日本語 domains allowed); no whitespace, quotes or angle brackets anywhere.
URL_PATTERN = re.compile(
    r"https?://"
    r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)*[^\W_](?:[\w-]{0,61}[^\W_])?"  # host, IDN allowed
    r"(?::[0-9]{1,5})?"
    r"(?:[/?#][^\s\"'<>\\]*)?",
    re.IGNORECASE,
)
SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*):")


class UrlCheck:
    type: ClassVar[str] = "url"

    def run(self, ctx: CheckContext) -> Iterator[Problem]:
        for column in ctx.columns_of_kind("url"):
            values = ctx.table[column]
            bad = (values != "") & ~values.str.fullmatch(URL_PATTERN, na=False)
            for row in rows_of(bad):
                cell = str(values.at[row])  # Draft cells are text
                scheme = SCHEME.match(cell)
                yield Problem(
                    code="url-invalid",
                    severity=Severity.ERROR,
                    location=ctx.draft.location(row, column),
                    params={"cell": cell, "scheme": scheme[1].lower() if scheme else ""},
                )
