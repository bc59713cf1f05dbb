"""Fixtures for the CSV/Excel reader tests: assert that an input is refused, and how."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tsunagu.errors import FormatError


@pytest.fixture
def refused() -> Callable[..., FormatError]:
    """``refused(callable, code)``: run it, expect a FormatError with ``code``, and check that
    both the Japanese and the English message name the file."""

    def _refused(call: Callable[[], object], code: str, file_name: str) -> FormatError:
        with pytest.raises(FormatError) as info:
            call()
        error = info.value
        assert error.code == code
        assert error.problem is not None
        assert error.problem.location.file == file_name
        assert file_name in error.message_ja
        assert file_name in error.message_en
        assert "{" not in error.message_ja and "{" not in error.message_en
        return error

    return _refused
