"""The column-wise (Arrow) path of normalisation gives exactly the per-value path's answers.

pandas keeps ``str`` columns in Arrow and they take the column-wise path; object columns keep
the per-value one, which is the reference here: same values, same problems at the same rows,
same change counts in the same order, same extensions, for every kind and every way a field
can be constrained (issue 17).
"""

from __future__ import annotations

import random
import re
import sys

import pandas as pd
import pyarrow as pa
import pytest

from tsunagu.model import Report
from tsunagu.normalize import arrow_text, formula_guard, width
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


def test_ascii_folding_is_the_width_rule_on_every_character():
    every = "".join(chr(c) for c in range(0x20, 0x10000) if not 0xD800 <= c < 0xE000)
    chunks = [every[i : i + 97] for i in range(0, len(every), 97)]
    folded = arrow_text.to_halfwidth_ascii(pa.array(chunks, type=pa.large_string()))
    assert folded.to_pylist() == [width.to_halfwidth_ascii(c) for c in chunks]


def test_strip_is_str_strip_and_the_whitespace_list_is_pythons():
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    assert frozenset(re.findall(r"\s", every)) == arrow_text.PY_WHITESPACE
    cells = [f"{s}x{t}y{s}" for s in arrow_text.PY_WHITESPACE for t in ("", "\u3000", "\u200b")]
    cells += ["\u200bx\u200b", "", "x"]
    stripped = arrow_text.strip(pa.array(cells, type=pa.large_string()))
    assert stripped.to_pylist() == [c.strip() for c in cells]


@pytest.mark.parametrize("arrow_type", [pa.large_string(), pa.string()])
def test_byte_scans_answer_as_the_regexes_do(arrow_type):
    rng = random.Random(str(arrow_type))
    alphabet = [*"ab 　\t\u00a0ＡＺａｚ！～｡ｶﾞﾟｰ（）=＝+-@\u2003\r漢字かな", "\U0001f600", "é"]
    cells = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(3000)]
    column = pa.array([*cells, None, ""], type=arrow_type)
    for values in (column, column.slice(7, 2000)):  # a slice starts inside the buffers
        texts = values.to_pylist()

        def found(pattern, texts=texts):
            return [t is not None and re.search(pattern, t) is not None for t in texts]

        folded = [None if t is None else width.to_halfwidth_ascii(t) for t in texts]
        assert arrow_text.to_halfwidth_ascii(values).to_pylist() == folded
        assert list(arrow_text.has_fullwidth_ascii(values)) == found("[\uff01-\uff5e]")
        assert list(arrow_text.has_halfwidth_kana(values)) == found("[\uff61-\uff9f]")
        assert list(arrow_text.has_padding_run(values)) == found("[ \t\u00a0\u3000]{2}")
        assert list(arrow_text.first_chars(values)) == [ord(t[0]) if t else -1 for t in texts]
        like = formula_guard._starting(values, formula_guard._LIKE_FIRST, formula_guard._LIKE_RE2)
        assert list(like) == found(r"^[\s\u3000]*[=+\-@\t\r\0＝＋－＠]")
