"""Check digits of Japanese identifiers, computed on whole columns at once.

Kept apart from the checks that use them because three checks need them: 全国地方公共団体コード
(``lg-code``), 法人番号 (``corporate-number``) and 個人番号 (``personal-data``). Each function takes
strings already known to be exactly N ASCII digits and returns a boolean array, so a million-row
column costs one numpy pass instead of a Python loop.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

LG_CODE_WEIGHTS = np.array([6, 5, 4, 3, 2])
# 法人番号: Q_n = 1 for odd n, 2 for even n, n counted from the right of the 12-digit base.
CORPORATE_WEIGHTS = np.array([2 if n % 2 == 0 else 1 for n in range(12, 0, -1)])
# 個人番号: Q_n = n + 1 (n ≤ 6), n − 5 (7 ≤ n ≤ 11), n counted from the right of the first 11.
MY_NUMBER_WEIGHTS = np.array([n + 1 if n <= 6 else n - 5 for n in range(11, 0, -1)])


def digit_matrix(values: Sequence[str], width: int) -> np.ndarray:
    """Rows of digits; every value must be ``width`` ASCII digits."""
    if not values:
        return np.zeros((0, width), dtype=np.int64)
    raw = np.frombuffer("".join(values).encode("ascii"), dtype=np.uint8)
    return raw.reshape(-1, width).astype(np.int64) - ord("0")


def lg_code_valid(values: Sequence[str]) -> np.ndarray:
    """JIS X 0402: check = (11 − Σ d_i × (6,5,4,3,2) mod 11) mod 10; Kashiwa 122173 passes."""
    digits = digit_matrix(values, 6)
    check = (11 - (digits[:, :5] @ LG_CODE_WEIGHTS) % 11) % 10
    return check == digits[:, 5]


def corporate_number_valid(values: Sequence[str]) -> np.ndarray:
    """法人番号: the FIRST digit is 9 − (Σ P_n × Q_n mod 9) over the 12-digit base."""
    digits = digit_matrix(values, 13)
    check = 9 - (digits[:, 1:] @ CORPORATE_WEIGHTS) % 9
    return check == digits[:, 0]


def my_number_valid(values: Sequence[str]) -> np.ndarray:
    """個人番号: the last digit is 0 if r ≤ 1 else 11 − r, r = Σ P_n × Q_n mod 11."""
    digits = digit_matrix(values, 12)
    remainder = (digits[:, :11] @ MY_NUMBER_WEIGHTS) % 11
    check = np.where(remainder <= 1, 0, 11 - remainder)
    return check == digits[:, 11]
