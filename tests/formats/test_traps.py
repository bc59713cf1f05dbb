from __future__ import annotations

import pandas as pd
import pytest

from tsunagu.errors import Severity
from tsunagu.formats.traps import find_cp932_traps, first_trap, suggest, vendor_chars


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("①正面玄関", ("platform-dependent-char", "①", "(1)", Severity.WARNING)),
        ("⑳", ("platform-dependent-char", "⑳", "(20)", Severity.WARNING)),
        ("㈱柏ﾃﾞﾊﾟｰﾄ", ("platform-dependent-char", "㈱", "(株)", Severity.WARNING)),
        ("㈲柏商店", ("platform-dependent-char", "㈲", "(有)", Severity.WARNING)),
        ("㍻31年", ("platform-dependent-char", "㍻", "平成", Severity.WARNING)),
        ("㋿6年", ("platform-dependent-char", "㋿", "令和", Severity.WARNING)),
        ("5㌔", ("platform-dependent-char", "㌔", "キロ", Severity.WARNING)),
        ("第Ⅱ期", ("platform-dependent-char", "Ⅱ", "II", Severity.WARNING)),
        ("髙島屋", ("platform-dependent-char", "髙", "高", Severity.INFO)),
        ("山﨑", ("platform-dependent-char", "﨑", "崎", Severity.INFO)),
        ("9時〜17時", ("cp932-unicode-mismatch", "〜", "~", Severity.WARNING)),
        ("9時～17時", ("cp932-unicode-mismatch", "～", "~", Severity.WARNING)),
        ("−5", ("cp932-unicode-mismatch", "−", "-", Severity.WARNING)),
        ("－5", ("cp932-unicode-mismatch", "－", "-", Severity.WARNING)),
        ("A‖B", ("cp932-unicode-mismatch", "‖", "|", Severity.WARNING)),
        ("A∥B", ("cp932-unicode-mismatch", "∥", "|", Severity.WARNING)),
        ("¢", ("cp932-unicode-mismatch", "¢", "￠", Severity.WARNING)),
        ("￡", ("cp932-unicode-mismatch", "￡", "£", Severity.WARNING)),
        ("¬", ("cp932-unicode-mismatch", "¬", "￢", Severity.WARNING)),
    ],
)
def test_first_trap(text, expected):
    assert first_trap(text) == expected


@pytest.mark.parametrize(
    "text", ["柏市役所", "高島屋", "ｶｼﾜ", "〒277-8505", "ラーメン", "∵", "≒", "Kashiwa-shi", ""]
)
def test_first_trap_ignores_standard_text(text):
    assert first_trap(text) is None


def test_vendor_chars_excludes_jis_duplicates():
    chars = vendor_chars()
    assert {"①", "㈱", "髙", "﨑", "Ⅰ", "ⅰ", "№"} <= chars
    assert not {"¬", "∵", "≒", "高", "崎"} & chars


def test_suggest_compatibility_ideograph_uses_nfkc():
    assert suggest("\ufa10") == "\u585a"  # 塚 (compatibility) → 塚


def test_find_cp932_traps_one_problem_per_cell_in_row_order():
    table = pd.DataFrame(
        {"施設名": ["㈱柏①②", "柏市役所", "髙﨑歯科"], "時間": ["9時～17時", "", "終日"]},
        index=pd.Index([5, 6, 7]),
        dtype=str,
    )
    problems = find_cp932_traps(table, "aed.csv")
    assert [(p.location.row, p.location.column, p.code, p.severity.value) for p in problems] == [
        (5, "施設名", "platform-dependent-char", "warning"),
        (5, "時間", "cp932-unicode-mismatch", "warning"),
        (7, "施設名", "platform-dependent-char", "info"),
    ]
    assert problems[0].params == {"char": "㈱", "codepoint": "U+3231", "suggestion": "(株)"}
    assert problems[2].params == {"char": "髙", "codepoint": "U+9AD9", "suggestion": "高"}
    assert all(p.location.file == "aed.csv" for p in problems)
    ja, en = problems[1].message("ja"), problems[1].message("en")
    assert ja.startswith("aed.csv 5行目 列「時間」: ") and "～" in ja and "U+FF5E" in ja
    assert en.startswith('aed.csv, row 5, column "時間": ') and '"~"' in en


def test_find_cp932_traps_handles_duplicate_column_names():
    table = pd.DataFrame([["①", "②"]], columns=["備考", "備考"], index=pd.Index([2]), dtype=str)
    problems = find_cp932_traps(table, "x.csv")
    assert [(p.location.row, p.params["char"]) for p in problems] == [(2, "①"), (2, "②")]


def test_a_character_without_a_standard_form_is_never_suggested_as_its_own_replacement():
    """賴 (IBM extension) has no standard form: the message suggests nothing rather than 賴."""
    code, char, suggestion, severity = first_trap("賴母木")
    assert (code, char, suggestion, severity) == (
        "platform-dependent-char-no-standard", "賴", "", Severity.INFO,
    )  # fmt: skip
    assert all(
        suggestion != c
        for c in vendor_chars()
        if (found := first_trap(c)) is not None
        for _, _, suggestion, _ in [found]
    )
    from tsunagu.errors import Location, Problem

    problem = Problem(
        code,
        severity,
        Location(file="f.csv", row=2),
        {"char": char, "codepoint": "U+8CF4", "suggestion": ""},
    )
    assert "賴" in problem.message("ja") and "「」" not in problem.message("ja")


def test_find_cp932_traps_at_scale_equals_one_record_made_per_cell():
    """Issue 17: cells holding the same text share one params record, and every problem is
    what the dataclass constructor makes for that cell, in row order (columns within a row)."""
    from tsunagu.errors import Location, Problem

    hours = ["9時～17時", "終日", "10時−18時", "9時～17時"] * 250
    names = ["柏①", "髙橋", "", "柏市"] * 250
    table = pd.DataFrame({"名称": names, "時間": hours}, index=pd.Index(range(3, 1003)), dtype=str)
    problems = find_cp932_traps(table, "big.csv")
    expected = []
    for row in table.index:
        for column in table.columns:
            found = first_trap(table.at[row, column])
            if found is not None:
                code, char, suggestion, severity = found
                params = {"char": char, "codepoint": f"U+{ord(char):04X}", "suggestion": suggestion}
                expected.append(
                    Problem(
                        code, severity, Location(file="big.csv", row=row, column=column), params
                    )
                )
    assert problems == expected
    assert len(problems) == 1250
    waves = [p for p in problems if p.params["char"] == "～"]
    assert len({id(p.params) for p in waves}) == 1
