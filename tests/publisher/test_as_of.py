"""「データ時点」: the manifest's day, else the title row's; a manifest naming no day is refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tsunagu.errors import ManifestError
from tsunagu.model import Draft, Report, Source
from tsunagu.normalize.as_of import as_of_in_title
from tsunagu.normalize.wareki import format_wareki
from tsunagu.publisher.as_of import data_as_of, manifest_as_of


@pytest.mark.parametrize(
    ("title", "day"),
    [
        ("柏市AED設置場所一覧（令和6年4月1日現在）", date(2024, 4, 1)),
        ("柏市AED設置場所一覧（令和６年４月１日現在）", date(2024, 4, 1)),
        ("（令和元年5月1日(水)現在）", date(2019, 5, 1)),
        ("避難所一覧 2024年3月31日時点", date(2024, 3, 31)),
        ("R6.4.1 現在", date(2024, 4, 1)),
        ("開設日 令和6年4月1日", None),  # a date that is not "as of"
        ("平成31年5月1日現在", None),  # no such day of 平成: not moved to 令和
        ("公衆トイレ一覧", None),
    ],
)
def test_as_of_in_title(title, day):
    assert as_of_in_title(title) == day


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2024, 4, 1), "令和6年4月1日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
    ],
)
def test_format_wareki(day, text):
    assert format_wareki(day) == text


class _Manifest:
    def __init__(self, written: str | None) -> None:
        self.path = Path("/city/kenko/aed/dataset.yaml")
        self.data_as_of = written


def _draft(*titles: str) -> Draft:
    rows = [{"row": i + 1, "text": t} for i, t in enumerate(titles)]
    return Draft(source=Source(path=Path("aed.csv")), report=Report(facts={"title_rows": rows}))


def test_manifest_wins_over_the_title_row():
    titles = [_draft("柏市AED設置場所一覧（令和6年4月1日現在）")]
    assert data_as_of(_Manifest("令和6年3月31日"), titles) == "2024-03-31"  # type: ignore[arg-type]
    assert data_as_of(_Manifest(None), titles) == "2024-04-01"  # type: ignore[arg-type]
    assert data_as_of(_Manifest(None), [_draft("AED一覧")]) == ""  # type: ignore[arg-type]


@pytest.mark.parametrize("written", ["平成31年5月1日", "2024-02-30", "来月"])
def test_a_day_that_does_not_exist_is_a_manifest_error(written):
    with pytest.raises(ManifestError) as caught:
        manifest_as_of(_Manifest(written))  # type: ignore[arg-type]
    assert "/city/kenko/aed/dataset.yaml: field 'data_as_of'" in caught.value.message_en
    assert "項目「data_as_of」" in caught.value.message_ja and written in caught.value.message_ja
