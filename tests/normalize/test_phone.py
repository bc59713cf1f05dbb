"""Phone numbers → 04-7167-1111, extensions apart, failures unchanged with a code."""

from __future__ import annotations

import pytest

from tsunagu.normalize.phone import PhoneResult, normalize_phone, split_extension


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("04-7167-1111", "04-7167-1111"),
        ("0471671111", "04-7167-1111"),
        ("０４７１６７１１１１", "04-7167-1111"),
        ("０４－７１６７－１１１１", "04-7167-1111"),
        ("04ー7167ー1111", "04-7167-1111"),
        ("04(7167)1111", "04-7167-1111"),
        ("04（7167）1111", "04-7167-1111"),
        ("04 7167 1111", "04-7167-1111"),
        ("+81-4-7167-1111", "04-7167-1111"),
        ("+81471671111", "04-7167-1111"),
        ("0120123456", "0120-123-456"),
        ("09012345678", "090-1234-5678"),
        ("03-3581-1111", "03-3581-1111"),
        ("0471-33-1111", "04-7133-1111"),
        ("(04)7167-1111", "04-7167-1111"),
        ("TEL:04-7167-1111", "04-7167-1111"),
        ("04-7167-1111（代表）", "04-7167-1111"),  # old grouping regrouped by the numbering plan
    ],
)
def test_phone_to_standard_form(text, expected):
    assert normalize_phone(text) == PhoneResult(expected)


@pytest.mark.parametrize(
    ("text", "extension"),
    [
        ("04-7167-1111 内線234", "234"),
        ("04-7167-1111（内線２３４）", "234"),
        ("04-7167-1111(内234)", "234"),
        ("04-7167-1111 ext. 12", "12"),
        ("０４－７１６７－１１１１　内線２３４", "234"),
    ],
)
def test_extension_is_returned_apart(text, extension):
    assert normalize_phone(text) == PhoneResult("04-7167-1111", extension)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("7167-1111", "phone-area-code-missing"),
        ("71671111", "phone-area-code-missing"),
        ("なし", "phone-invalid"),
        ("04-7167-1111/04-7167-1112", "phone-invalid"),
        ("04-7167-1111 FAX 04-7167-1112", "phone-invalid"),
        ("12345", "phone-invalid"),
        ("+1 650 253 0000", "phone-invalid"),
    ],
)
def test_unparsable_phone_is_unchanged_with_a_code(text, code):
    assert normalize_phone(text) == PhoneResult(text, None, code)


def test_empty_phone_stays_empty_without_problem():
    assert normalize_phone("") == PhoneResult("")


def test_split_extension_without_extension():
    assert split_extension("04-7167-1111") == ("04-7167-1111", None)


def test_grouping_by_prefix_equals_libphonenumber_on_every_number():
    """The bare-digits fast path against a full parse of each number: real prefixes and random
    ones, 10 and 11 digits, many numbers per prefix so later ones come from the cache."""
    import random

    from tsunagu.normalize.phone import _parse

    rng = random.Random(17)
    prefixes = ["0471671", "0312345", "0662345", "0901234", "0120123", "0570123", "0800123"]
    prefixes += ["0" + "".join(rng.choice("0123456789") for _ in range(6)) for _ in range(400)]
    checked = 0
    for prefix in prefixes:
        for length in (10, 11):
            for _ in range(6):
                digits = prefix + "".join(rng.choice("0123456789") for _ in range(length - 7))
                assert normalize_phone(digits) == _parse(digits, None, digits), digits
                checked += 1
    assert checked == len(prefixes) * 12
