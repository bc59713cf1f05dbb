"""``corporate-number``: a wrong 法人番号 check digit (the first digit) is an error."""

from __future__ import annotations

from tests.validators.conftest import draft_of, frame, triples
from tsunagu.validators.checks.corporate_number import CorporateNumberCheck


def test_corporate_number_wrong_first_digit_is_an_error(run_check):
    table = frame(
        [
            {"法人番号": "7123456789012"},
            {"法人番号": "4011001098993"},
            {"法人番号": "5011001098993"},
            {"法人番号": ""},
        ]
    )
    problems = run_check(CorporateNumberCheck, draft_of(table))
    assert triples(problems) == [(4, "法人番号", "corporate-number-check-digit", "error")]


def test_corporate_number_message_names_the_value_in_both_languages(run_check):
    table = frame([{"法人番号": "2120901007403"}])
    (problem,) = run_check(CorporateNumberCheck, draft_of(table))
    assert "「2120901007403」" in problem.message("ja")
    assert '"2120901007403"' in problem.message("en")
