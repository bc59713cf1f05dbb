"""Check-digit arithmetic against the published examples (and their near misses)."""

from __future__ import annotations

from tsunagu.identifiers.check_digit import (
    corporate_number_valid,
    lg_code_valid,
    my_number_valid,
)


def test_lg_code_valid_accepts_real_codes_and_rejects_a_wrong_check_digit():
    codes = ["122173", "131016", "011002", "122174", "122170"]
    assert lg_code_valid(codes).tolist() == [True, True, True, False, False]


def test_lg_code_check_digit_wraps_mod_ten():
    # Σ ≡ 0 (mod 11) → 11 → check 1; Σ ≡ 1 → 10 → check 0 ("20000": 2×6 = 12 ≡ 1).
    assert lg_code_valid(["000001", "000000", "200000", "200001"]).tolist() == [
        True,
        False,
        True,
        False,
    ]


def test_corporate_number_valid_on_published_examples():
    numbers = ["7123456789012", "4011001098993", "2120901007402", "6000020122173"]
    assert corporate_number_valid(numbers).tolist() == [True, True, True, True]
    assert corporate_number_valid(["8123456789012", "7123456789013"]).tolist() == [False, False]


def test_my_number_valid_on_the_synthetic_example():
    assert my_number_valid(["123456789018", "123456789017", "000000000000"]).tolist() == [
        True,
        False,
        True,
    ]


def test_empty_input_gives_empty_result():
    assert lg_code_valid([]).tolist() == []
