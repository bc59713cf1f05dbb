"""pydantic's errors in the project's words: a field path as written, ja and en."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tsunagu.typed_input import field_path, problems


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    header_row: int = Field(default=1, ge=1)


class _Doc(BaseModel):
    sources: list[_Entry]


def test_field_path_is_written_as_in_the_file():
    assert field_path(("sources", 0, "header_row")) == "sources[0].header_row"
    assert field_path((2, "x"), "statistics") == "statistics[2].x"


@pytest.mark.parametrize(
    ("entry", "field", "ja"),
    [
        ({"header_row": "abc"}, "sources[0].header_row", "整数で書いてください（「abc」）"),
        ({"header_row": 0}, "sources[0].header_row", "1 以上にしてください（「0」）"),
        ({"colour": 1}, "sources[0].colour", "不明な項目です"),
        ("aed.csv", "sources[0]", "「項目: 値」の形で書いてください（「aed.csv」）"),
    ],
)
def test_each_error_names_its_field_in_both_languages(entry, field, ja):
    with pytest.raises(ValidationError) as caught:
        _Doc.model_validate({"sources": [entry]})
    (found,) = problems(caught.value)
    assert (found.field, found.message_ja) == (field, ja)
    assert "_Entry" not in found.message_en  # no internal class names for a user
