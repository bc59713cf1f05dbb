"""Byte scans and Arrow kernels of the column-wise normalisation, against the per-value rules.

Each scan of the UTF-8 buffer must find exactly what the regex of the per-value function finds
(random cells mixing every character class involved, sliced arrays included), and folding must
equal :func:`tsunagu.normalize.width.to_halfwidth_ascii` on every BMP character (issue 17).
"""

from __future__ import annotations

import random
import re
import sys

import pyarrow as pa
import pytest

from tsunagu.normalize import arrow_text, formula_guard, width


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
