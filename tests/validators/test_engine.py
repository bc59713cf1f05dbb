"""validate_draft: Frictionless plus every check, on a copy of the report; bad data never raises."""

from __future__ import annotations

import pytest

from tests.validators.conftest import draft_of, frame
from tsunagu.errors import ConfigError, Location, TsunaguError
from tsunagu.validators import CHECKS
from tsunagu.validators.engine import validate_draft

ORIGIN = {"名称": "施設名", "緯度": "緯度（世界測地系）", "開設日": "開設年月日"}
BASE_ROW = {"ID": "0001", "名称": "柏市役所", "住所": "柏市"}


def _flat(report, *severities):
    return [
        (p.location.row, p.location.column, p.code)
        for p in report.problems
        if p.severity.value in severities
    ]


def test_registry_lists_every_check():
    assert CHECKS.names() == [
        "lg-code",
        "corporate-number",
        "coordinates",
        "url",
        "personal-data",
        "care-locations",
        "machine-readability",
    ]
    assert all(CHECKS.load(name).type == name for name in CHECKS.names())


def test_clean_normalized_table_validates_without_problems(csv_draft, facilities_schema, settings):
    draft = csv_draft("facilities_clean.csv", column_origin=ORIGIN)
    checked = validate_draft(draft, facilities_schema, settings)
    assert checked.report.problems == []
    assert checked.report.facts["valid"] is True
    assert checked.report.facts["schema"] == "public-facilities"
    assert checked.report.frictionless["valid"] is True
    assert checked.schema == "public-facilities"


def test_corrupted_copy_gives_exactly_the_expected_problems(csv_draft, facilities_schema, settings):
    draft = csv_draft("facilities_bad.csv", column_origin=ORIGIN)
    report = validate_draft(draft, facilities_schema, settings).report
    assert _flat(report, "error", "block") == [
        # Frictionless, in file order
        (3, "開設年月日", "type-error"),
        (4, "緯度（世界測地系）", "constraint-error"),
        (4, "収容人数", "type-error"),
        (5, "施設名", "constraint-error"),
        (5, "開始時間", "type-error"),
        (5, "ID", "primary-key"),
        (6, "収容人数", "constraint-error"),
        # then each check, in registry order
        (3, "全国地方公共団体コード", "lg-code-check-digit"),
        (2, "法人番号", "corporate-number-check-digit"),
        (5, "経度", "coordinate-pair-incomplete"),
        (4, "緯度（世界測地系）", "coordinate-swapped"),
        (4, "URL", "url-invalid"),
    ]
    assert _flat(report, "warning") == [
        (6, "緯度（世界測地系）", "coordinate-outside-municipality"),
        (4, "収容人数", "number-with-unit"),
    ]
    assert report.facts["valid"] is False
    assert not report.valid
    for problem in report.problems:  # every template found all its parameters
        assert "{" not in problem.message("ja") + problem.message("en"), problem.code


def test_input_report_is_left_untouched(csv_draft, facilities_schema, settings):
    draft = csv_draft("facilities_bad.csv")
    draft.report.add("wareki-date", "info", Location(row=3), count=1)
    checked = validate_draft(draft, facilities_schema, settings)
    assert [p.code for p in draft.report.problems] == ["wareki-date"]
    assert "valid" not in draft.report.facts
    assert checked.report.problems[0].code == "wareki-date"
    assert len(checked.report.problems) > 1


def test_only_the_listed_checks_run(csv_draft, facilities_schema, settings):
    draft = csv_draft("facilities_bad.csv")
    report = validate_draft(draft, facilities_schema, settings, checks=["url"]).report
    own = [p.code for p in report.problems if p.rule is None]
    assert own == ["url-invalid"]
    with pytest.raises(ConfigError):
        validate_draft(draft, facilities_schema, settings, checks=["no-such-check"])


def test_reader_problems_get_their_machine_readability_rule(facilities_schema, settings):
    draft = draft_of(frame([{"ID": "0001", "名称": "髙島屋", "住所": "柏市末広町3番16号"}]))
    draft.report.add("platform-dependent-char", "warning", Location(row=2, column="名称"))
    checked = validate_draft(draft, facilities_schema, settings, checks=[])
    assert [(p.code, p.rule) for p in checked.report.problems] == [
        ("platform-dependent-char", "1-10")
    ]
    assert draft.report.problems[0].rule is None


def test_my_numbers_block_even_when_the_column_is_allowed(facilities_schema, settings):
    rows = [
        {"ID": f"000{i}", "名称": "柏市役所", "住所": "柏市", "備考": n}
        for i, n in enumerate(["123456789018", "234567890121"])
    ]
    draft = draft_of(frame(rows), column_origin={"備考": "番号"})
    checked = validate_draft(
        draft, facilities_schema, settings, allow_personal_columns=["番号", "備考"]
    )
    assert _flat(checked.report, "block") == [(None, "番号", "personal-number")]
    assert checked.report.facts["valid"] is False


def test_a_draft_without_table_is_a_program_fault(facilities_schema, settings):
    draft = draft_of(frame([BASE_ROW]))
    with pytest.raises(TsunaguError) as info:
        validate_draft(draft.evolve(table=None), facilities_schema, settings)
    assert info.value.code == "draft-without-table"


def test_real_standard_schema_from_the_registry(settings):
    """Contract with tsunagu.standards: a StandardSchema is a SchemaLike."""
    from tsunagu.standards import load_registry

    schema = load_registry(settings.schemas_dir).get("aed-installations")
    row = {
        "全国地方公共団体コード": "122173",
        "ID": "AED0001",
        "名称": "柏市役所 本庁舎",
        "所在地_連結表記": "千葉県柏市柏五丁目10番1号",
        "設置位置": "1階 正面玄関",
        "緯度": "35.8676",
        "経度": "139.9757",
    }
    good = validate_draft(draft_of(frame([row])), schema, settings)
    assert [p for p in good.report.problems if p.severity.blocks_publishing] == []
    bad = draft_of(
        frame([dict(row, 全国地方公共団体コード="122174", 緯度="139.9757", 経度="35.8676")])
    )
    report = validate_draft(bad, schema, settings).report
    ours = [(p.location.row, p.location.column, p.code) for p in report.problems if not p.rule]
    assert ours == [
        (2, "全国地方公共団体コード", "lg-code-check-digit"),
        (2, "緯度", "coordinate-swapped"),
    ]
    assert (2, "緯度", "constraint-error") in _flat(report, "error")


def test_repeated_headers_are_reported_once_and_checks_still_run(facilities_schema, settings):
    table = frame([dict(BASE_ROW, URL="javascript:void(0)")])
    table.insert(1, "名称", "柏市役所", allow_duplicates=True)
    report = validate_draft(draft_of(table), facilities_schema, settings).report
    assert _flat(report, "error") == [(1, "名称", "duplicate-label"), (2, "URL", "url-invalid")]
