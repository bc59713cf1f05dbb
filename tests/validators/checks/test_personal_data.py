"""``personal-data``: マイナンバー blocks, other personal data errors, public data passes.

The false-positive traps come from security-and-bad-inputs.md §2.5: 法人番号 (whose 12-digit
windows often pass the My Number check), 12-digit timestamps, random 12-digit IDs, facility
names and establishment dates, and public *.lg.jp addresses.
"""

from __future__ import annotations

import itertools

from tests.validators.conftest import draft_of, frame, triples
from tsunagu.identifiers.check_digit import my_number_valid
from tsunagu.validators.checks.personal_data import PersonalDataCheck

# Synthetic My Numbers (valid check digits, not real people).
MY_NUMBERS = ["123456789018", "234567890121", "345678901234", "987654321093"]


def _valid(numbers: list[str]) -> list[str]:
    return [n for n, ok in zip(numbers, my_number_valid(numbers), strict=True) if ok]


def test_synthetic_my_numbers_are_valid():
    assert _valid(MY_NUMBERS) == MY_NUMBERS


def test_column_of_valid_my_numbers_blocks_and_never_echoes_them(run_check):
    table = frame([{"整理番号": n, "名称": "柏市役所"} for n in MY_NUMBERS])
    problems = run_check(PersonalDataCheck, draft_of(table))
    assert triples(problems) == [(None, "整理番号", "personal-number", "block")]
    params = problems[0].params
    assert (params["count"], params["total"], params["share"]) == (4, 4, 100)
    assert params["rows"] == [2, 3, 4, 5]
    shown = str(params) + problems[0].message("ja") + problems[0].message("en")
    assert not any(n in shown for n in MY_NUMBERS)
    assert params["examples"].startswith("123*********")


def test_grouped_and_full_width_my_numbers_count(run_check):
    values = ["1234-5678-9018", "２３４５ ６７８９ ０１２１", "345678901234"]
    problems = run_check(PersonalDataCheck, draft_of(frame([{"番号": v} for v in values])))
    assert triples(problems) == [(None, "番号", "personal-number", "block")]


def test_header_naming_my_number_blocks_even_with_few_valid_values(run_check):
    rows = [{"個人番号": v} for v in ("123456789018", "123456789017", "999999999999")]
    draft = draft_of(frame(rows))
    assert triples(run_check(PersonalDataCheck, draft)) == [
        (None, "個人番号", "personal-number", "block")
    ]


def test_my_number_block_cannot_be_allowed(run_check):
    table = frame([{"マイナンバー": n} for n in MY_NUMBERS])
    problems = run_check(PersonalDataCheck, draft_of(table), allow=("マイナンバー",))
    assert triples(problems) == [(None, "マイナンバー", "personal-number", "block")]


def test_one_my_number_in_free_text_is_a_review_warning(run_check):
    rows = [
        {"備考": "駐車場あり"},
        {"備考": "申請者番号 １２３４５６７８９０１８ 確認済"},
        {"備考": ""},
    ]
    problems = run_check(PersonalDataCheck, draft_of(frame(rows), column_origin={"備考": "メモ"}))
    assert triples(problems) == [(None, "メモ", "personal-number-review", "warning")]
    assert problems[0].params["rows"] == [3]


def test_corporate_numbers_are_never_my_numbers(run_check):
    # 13-digit 法人番号: naive 12-digit windows inside them often pass the My Number check.
    numbers = ["7123456789012", "4011001098993", "2120901007402", "6000020122173"]
    assert any(my_number_valid([n[:12], n[1:]]).any() for n in numbers)
    rows = [{"法人番号": n, "事業者": f"法人 {n}", "備考": f"法人番号{n}"} for n in numbers]
    assert run_check(PersonalDataCheck, draft_of(frame(rows))) == []


def test_twelve_digit_timestamps_are_not_my_numbers(run_check):
    stamps = [
        f"2024{m:02d}{d:02d}{h:02d}{q:02d}"
        for m, d, h, q in itertools.product((4, 5), (1, 15), range(8, 18), (0, 15, 30, 45))
    ]
    assert len(_valid(stamps)) >= 10  # the trap is real: many pass the check digit
    rows = [{"受付日時": s, "備考": f"{s} 受付"} for s in stamps]
    assert run_check(PersonalDataCheck, draft_of(frame(rows))) == []


def test_random_twelve_digit_ids_are_not_flagged(run_check):
    ids = [f"{(i * 7919 + 104729) * 1000003 % 10**12:012d}" for i in range(50)]
    valid = _valid(ids)
    assert 0 < len(valid) < 45  # some pass by chance (≈10%), far from 90%
    assert run_check(PersonalDataCheck, draft_of(frame([{"管理ID": i} for i in ids]))) == []


def test_personal_email_is_suspected_but_city_addresses_are_public(run_check):
    rows = [
        {"メモ": "kashiwa-toshokan@city.kashiwa.lg.jp"},
        {"メモ": "yamada.taro1975@gmail.com"},
        {"メモ": "ｔａｒｏ＠ｄｏｃｏｍｏ．ｎｅ．ｊｐ"},
        {"メモ": "info@city.kashiwa.lg.jp"},
    ]
    problems = run_check(PersonalDataCheck, draft_of(frame(rows)))
    assert triples(problems) == [(None, "メモ", "personal-data-suspected", "error")]
    params = problems[0].params
    assert (params["count"], params["rows"], params["kinds"]) == (2, [3, 4], ["email"])
    assert "yamada.taro1975" not in params["examples"]
    assert "個人のメールアドレス" in problems[0].message("ja")
    assert "{" not in problems[0].message("ja") + problems[0].message("en")


def test_mobile_numbers_are_suspected_only_next_to_names(run_check):
    phones = [{"電話番号": "04-7167-1111"}, {"電話番号": "090-1234-5678"}]
    assert run_check(PersonalDataCheck, draft_of(frame(phones))) == []
    with_names = [
        dict(p, 担当者氏名=n) for p, n in zip(phones, ["柏 太郎", "柏 花子"], strict=True)
    ]
    problems = run_check(PersonalDataCheck, draft_of(frame(with_names)))
    assert triples(problems) == [
        (None, "電話番号", "personal-data-suspected", "error"),
        (None, "担当者氏名", "personal-data-suspected", "error"),
    ]
    assert problems[0].params["rows"] == [3]
    assert problems[0].params["kinds"] == ["mobile"]


def test_person_headers_are_suspected_and_facility_headers_are_not(run_check):
    row = {
        "氏名": "柏 太郎",
        "フリガナ": "カシワ タロウ",
        "生年月日": "1975-04-01",
        "年齢": "49",
        "施設名": "柏市役所",
        "店舗名": "柏駅前店",
        "法人名": "社会福祉法人 柏福祉会",
        "設立年月日": "1990-04-01",
        "開設日": "2005-03-28",
        "名称": "沼南支所",
    }
    problems = run_check(PersonalDataCheck, draft_of(frame([row])))
    assert triples(problems) == [
        (None, "氏名", "personal-data-suspected", "error"),
        (None, "フリガナ", "personal-data-suspected", "error"),
        (None, "生年月日", "personal-data-suspected", "error"),
        (None, "年齢", "personal-data-suspected", "error"),
    ]
    assert [p.params["kind"] for p in problems] == ["name", "name", "birthdate", "age"]
    assert "柏 太郎" not in str(problems[0].params)


def test_facility_phones_and_addresses_pass_with_an_informational_note(run_check):
    """§3 row 46: a 施設一覧's 代表電話 and 所在地 are public by design, so they pass; the note
    says they were taken as the facilities' own, so a reviewer knows to look for a stray person."""
    rows = [
        {"施設名": "柏市役所", "代表電話": "04-7167-1111", "所在地": "柏市柏五丁目10番1号"},
        {"施設名": "沼南支所", "代表電話": "０４－７１９１－１１１１", "所在地": "柏市大島田48-1"},
    ]
    problems = run_check(PersonalDataCheck, draft_of(frame(rows)))
    assert triples(problems) == [(None, None, "personal-data-public-contact", "info")]
    assert problems[0].params["columns"] == "代表電話、所在地"
    assert "代表電話, 所在地" in problems[0].message("en")
    assert "{" not in problems[0].message("ja") + problems[0].message("en")
    # No facility column: nothing to say; names beside them: personal data, not a note.
    bare = [{k: v for k, v in r.items() if k != "施設名"} for r in rows]
    assert run_check(PersonalDataCheck, draft_of(frame(bare))) == []
    named = [dict(r, 氏名="柏 太郎") for r in rows]
    codes = {p.code for p in run_check(PersonalDataCheck, draft_of(frame(named)))}
    assert codes == {"personal-data-suspected"}


def test_allowed_column_becomes_info(run_check):
    table = frame([{"代表者氏名": "柏 太郎"}, {"代表者氏名": ""}])
    draft = draft_of(table, column_origin={"代表者氏名": "代表者の氏名"})
    problems = run_check(PersonalDataCheck, draft, allow=("代表者の氏名",))
    assert triples(problems) == [(None, "代表者の氏名", "personal-data-allowed", "info")]
    assert problems[0].params["count"] == 1


def test_empty_name_column_is_not_reported(run_check):
    assert run_check(PersonalDataCheck, draft_of(frame([{"氏名": ""}, {"氏名": " "}]))) == []


def test_standard_fields_and_contact_columns_are_public_by_definition(run_check):
    """受入年齢 (0歳から) is a 子育て施設 attribute, a shop's webmail in 備考 or a 連絡先 column is
    its public contact: decided by what the column is, not by the pattern."""
    rows = [
        {"備考": "予約は shop.yaizu@gmail.com へ", "連絡先メール": "cafe@yahoo.co.jp", "メモ": ""},
        {"備考": "", "連絡先メール": "", "メモ": "hanako@gmail.com"},
    ]
    problems = run_check(PersonalDataCheck, draft_of(frame(rows)))
    assert triples(problems) == [(None, "メモ", "personal-data-suspected", "error")]


def test_standard_age_field_is_not_a_persons_age(run_check, settings):
    from tsunagu.standards import load_registry
    from tsunagu.validators.check import CheckContext

    schema = load_registry(settings.schemas_dir).get("child-care-facilities")
    table = frame([{"受入年齢": "0歳から"}, {"受入年齢": "0歳～2歳"}])
    ctx = CheckContext(draft_of(table), schema, settings)
    assert list(PersonalDataCheck().run(ctx)) == []
    outside = frame([{"年齢": "49"}])  # the same pattern in a column that is not the standard's
    ctx = CheckContext(draft_of(outside), schema, settings)
    assert [p.code for p in PersonalDataCheck().run(ctx)] == ["personal-data-suspected"]


def test_my_number_in_a_standard_field_still_blocks(run_check):
    rows = [{"備考": n} for n in _valid(MY_NUMBERS)]
    problems = run_check(PersonalDataCheck, draft_of(frame(rows)))
    assert [(p.code, p.severity.value) for p in problems] == [("personal-number", "block")]


class _Manifest:
    """The one manifest field the check reads: a sheet declared a statistics table."""

    def __init__(self, statistics: bool) -> None:
        from tsunagu.manifest import StatisticsSpec

        self.statistics = StatisticsSpec(header_rows=2) if statistics else None


def _statistics(rows: list[dict], statistics: bool = True):
    return draft_of(frame(rows)).evolve(manifest=_Manifest(statistics))


def test_age_groups_of_a_statistics_table_are_not_personal_data(run_check):
    """§2.5: counts by age group are aggregates. A long-form 年齢 of bands and totals, a wide
    column 年齢不詳_男 of counts, 平均年齢 of averages: none is a person's age."""
    bands = ["0-4歳", "5～9歳", "15〜64歳", "65歳以上", "0歳", "総数", "年齢不詳", ""]
    rows = [
        {
            "町丁目": "柏1丁目",
            "年齢": band,
            "年齢不詳_男": "1,234",
            "平均年齢": "45.3",
            "人口": "12",
        }
        for band in bands
    ]
    assert run_check(PersonalDataCheck, _statistics(rows)) == []


def test_the_same_ages_are_held_in_a_person_level_list(run_check):
    """Without ``statistics:`` the header rule holds whatever the values; in a statistics
    table a bare 年齢 of plain numbers (each row's age), a value that is no age class, or a
    name column beside it (a list of people) keeps it held too."""
    rows = [{"年齢": "0-4歳", "人口": "12"}, {"年齢": "65歳以上", "人口": "3"}]
    assert [p.code for p in run_check(PersonalDataCheck, _statistics(rows, False))] == [
        "personal-data-suspected"
    ]
    for person in (
        [{"年齢": "49", "人口": "1"}, {"年齢": "52", "人口": "1"}],
        [{"年齢": "0-4歳", "人口": "1"}, {"年齢": "柏 太郎 49歳", "人口": "1"}],
        [{"氏名": "柏 太郎", "年齢": "0-4歳"}, {"氏名": "柏 花子", "年齢": "65歳以上"}],
    ):
        problems = run_check(PersonalDataCheck, _statistics(person))
        assert (None, "年齢", "personal-data-suspected", "error") in triples(problems), person
