"""``care-locations``: people needing support placed at house precision block; facilities pass."""

from __future__ import annotations

from dataclasses import dataclass

from tests.validators.conftest import draft_of, frame
from tsunagu.errors import Severity
from tsunagu.validators.check import CheckContext
from tsunagu.validators.checks.care_locations import CareLocationsCheck


@dataclass(frozen=True)
class OwnSchema:
    """The little of a department's own schema the check reads."""

    slug: str = "own:kashiwa-shien"
    field_names: tuple[str, ...] = ()


def problems(rows, *, points: bool = True, schema=None, settings=None):
    types = {"Point": len(rows)} if points else {"Polygon": len(rows)}
    draft = draft_of(frame(rows), name="x.geojson", facts={"geometry_types": types})
    return list(CareLocationsCheck().run(CheckContext(draft, schema or OwnSchema(), settings)))


def test_points_of_people_needing_support_block_with_aggregation_advice():
    found = problems([{"区分": "避難行動要支援者", "備考": ""}] * 3)
    assert [(p.code, p.severity, p.location.column) for p in found] == [
        ("care-locations", Severity.BLOCK, "区分")
    ]
    assert "500 m mesh" in found[0].message("en") and "町丁目" in found[0].message("ja")


def test_facility_lists_areas_and_standards_pass(facilities_schema):
    facilities = [{"名称": "柏市障害福祉サービス事業所", "種別": "介護施設"}]
    assert problems(facilities) == []
    assert problems([{"区分": "要介護者"}], points=False) == []  # areas: already aggregated
    assert problems([{"区分": "要介護者"}], schema=facilities_schema) == []
