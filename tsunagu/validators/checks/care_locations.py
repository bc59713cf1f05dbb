"""``care-locations``: a point layer that places people needing care or support is blocked.

A map of 避難行動要支援者, 要介護者 or 生活保護受給者 at house precision identifies households even
without a name (security-and-bad-inputs §2.5 and §3 row 47). Such data may be published only
aggregated (counts per 町丁目 or per 500 m mesh, with small cells suppressed), so the block says
so. Only words that describe a *person's* category count: a facility list of 障害福祉サービス
事業所 or 介護施設 is public by design and is not caught. Standards (facility lists) are exempt.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from tsunagu.errors import Location, Problem, Severity
from tsunagu.validators.check import CheckContext

OWN_SCHEMA_PREFIX = "own:"  # the manifest's constant (the validators sit below the manifest)
POINT_TYPES = ("Point", "MultiPoint")
PERSON_CATEGORIES = (
    "避難行動要支援者",
    "要支援者",
    "要配慮者",
    "要介護者",
    "要介護度",
    "生活保護受給",
    "被保護者",
    "障害者手帳",
    "障害等級",
    "病歴",
)


class CareLocationsCheck:
    type: ClassVar[str] = "care-locations"

    def run(self, ctx: CheckContext) -> Iterator[Problem]:
        types = ctx.draft.report.facts.get("geometry_types") or {}
        if not any(t in types for t in POINT_TYPES):
            return
        slug = getattr(ctx.schema, "slug", "")
        if slug and not slug.startswith(OWN_SCHEMA_PREFIX):
            return  # a standard's point layer is a facility list
        for column in ctx.table.columns:
            if column == "geometry":
                continue
            word = _category(f"{column} {ctx.header(column)}")
            if word is None:
                distinct = ctx.distinct(column)
                word = next((w for v in distinct.values if (w := _category(str(v)))), None)
            if word is not None:
                yield Problem(
                    code="care-locations",
                    severity=Severity.BLOCK,
                    location=Location(file=ctx.draft.source.name, column=str(column)),
                    params={"word": word, "count": int(sum(types.get(t, 0) for t in POINT_TYPES))},
                )
                return


def _category(text: str) -> str | None:
    return next((word for word in PERSON_CATEGORIES if word in text), None)
