"""The column-wise (Arrow) path of normalisation gives exactly the per-value path's answers.

pandas keeps ``str`` columns in Arrow and they take the column-wise path; object columns keep
the per-value one, which is the reference here: same values, same problems at the same rows,
same change counts in the same order, same extensions, for every kind and every way a field
can be constrained (issue 17).
"""

from __future__ import annotations

import random

import pandas as pd
import pytest

from tsunagu.model import Report
from tsunagu.normalize.values import (
    NORMALIZERS,
    constraint_test,
    enum_spelling,
    normalize_column,
    trim_column,
)

CELLS = [
    "", " ", "abc", "ＡＢＣ", "ｱｲｳ", "ｶﾞｯｺｳ", "a  b", "a\u3000\u3000b", "a\u3000b", "a\t\u00a0b",
    "１，２３４", "−5", "ー3", "－５", "1,234", "1,23", "12.5", "٣٤", "50人", "1,234,567.5",
    "0471671111", "04-7167-1111", "０４７１６７１１１１", "7167-1111", "04-7167-1111 内線234",
    "04(7167)1111", "+81-4-7167-1111", "0471671111(代表)", "0120444444", "09012345678",
    "0312345678", "0012345678", "0471671112", "04716711111", "1-2345-6789-0123",
    "1 2345 6789 0123", "1234567890123", "〒277-0005", "277-0005", "２７７－０００５", "2770005",
    "令和6年4月1日", "H31.5.1", "平成31年5月1日", "2024-02-30", "2024-04-01", "2024/4/1",
    "2024-04-01 00:00:00", "9時30分", "正午", "25:00", "09:00", "2024/4/1 9:00", "明治3年1月1日",
    "認定こども園(幼稚園型)", "認定こども園（幼稚園型）", "有", "無", "○",
    "ﾊ-ﾄ", "ハート", "はーと",
    "ＨＯＰＰＡ", "http://ｅｘａｍｐｌｅ.com", "=1+1", "＝1+1", "x\u2003\u2003y", "１２３４５６",
]  # fmt: skip
FIELDS = {
    "none": {},
    "phone pattern": {"constraints": {"pattern": "^0[0-9]{1,4}-[0-9]{1,4}-[0-9]{3,4}$"}},
    "digits pattern": {"constraints": {"pattern": "^[0-9]+$"}},
    "kana pattern": {
        "constraints": {
            "pattern": "^[\\u30A0-\\u30FF\\u3000\\uFF08\\uFF09\\uFF10-\\uFF19\\uFF21-\\uFF3A"
            "\\uFF41-\\uFF5A]+$"
        }
    },
    "enum": {"constraints": {"enum": ["認定こども園（幼稚園型）", "有", "無", "ＡＢＣ"]}},
}


def _run(cells: list[str], dtype: str, kind: str, field: dict):
    series = pd.Series(cells, index=range(3, 3 + len(cells)), name="列", dtype=dtype)
    report = Report()
    trimmed = trim_column(series, report)
    out, extensions = normalize_column(
        trimmed, kind, report, "f.csv", constraint_test(field), enum_spelling(field)
    )
    problems = [(p.code, str(p.severity), p.location.to_dict(), p.params) for p in report.problems]
    return list(out.astype(object)), extensions, list(report.changes.items()), problems


@pytest.mark.parametrize("constraint", sorted(FIELDS))
@pytest.mark.parametrize("kind", sorted(NORMALIZERS))
def test_columnwise_equals_per_value(kind, constraint):
    rng = random.Random(f"{kind}/{constraint}")
    cells = [rng.choice(CELLS) + rng.choice(("", "", "", " ", "\u3000")) for _ in range(400)]
    cells += CELLS  # every cell at least once, the padded ones first
    columnwise = _run(cells, "str", kind, FIELDS[constraint])
    assert columnwise == _run(cells, "object", kind, FIELDS[constraint])
    values, _, changes, _ = columnwise
    assert pd.Series(cells, dtype="str").array.__class__.__name__ == "ArrowStringArray"
    if kind in ("text", "phone", "number") and constraint == "none":
        assert changes and values != cells  # the case actually changed something
