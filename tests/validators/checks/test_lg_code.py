"""``lg-code``: a wrong 全国地方公共団体コード check digit is an error at the department's cell."""

from __future__ import annotations

from tests.validators.conftest import draft_of, frame, triples
from tsunagu.validators.checks.lg_code import LgCodeCheck


def test_lg_code_wrong_check_digit_is_an_error_at_file_row_and_header(run_check):
    table = frame(
        [
            {"全国地方公共団体コード": "122173"},
            {"全国地方公共団体コード": "122174"},
            {"全国地方公共団体コード": ""},
            {"全国地方公共団体コード": "12217"},  # not 6 digits: Frictionless' pattern says so
        ],
        first_row=4,
    )
    draft = draft_of(table, column_origin={"全国地方公共団体コード": "団体コード"})
    problems = run_check(LgCodeCheck, draft)
    assert triples(problems) == [(5, "団体コード", "lg-code-check-digit", "error")]
    assert problems[0].params["cell"] == "122174"


def test_lg_code_checks_every_lg_code_column_of_the_schema(run_check):
    table = frame([{"全国地方公共団体コード": "131016", "所在地_全国地方公共団体コード": "131017"}])
    problems = run_check(LgCodeCheck, draft_of(table))
    assert triples(problems) == [
        (2, "所在地_全国地方公共団体コード", "lg-code-check-digit", "error")
    ]
