"""The HTML report: one self-contained, escaped, bilingual page with a capped listing."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from tests.validators.test_report_json import sample_draft, use_sample_texts
from tsunagu.errors import Location
from tsunagu.model import Draft, Report, Source
from tsunagu.validators.report_html import render_html, write_html

PAYLOAD = "<img src=x onerror=alert(1)>"


class TagCollector(HTMLParser):
    """Counts start tags and records attributes, to check the page structure, not its text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()
        self.attrs: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.attrs.append((tag, dict(attrs)))


def parse(page: str) -> TagCollector:
    collector = TagCollector()
    collector.feed(page)
    return collector


def test_html_escapes_cell_payload(monkeypatch):
    draft = sample_draft(monkeypatch)
    page = render_html(draft)
    assert PAYLOAD not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" not in page  # row 3 備考 has no problem: not listed
    draft.report.add("phone-invalid", "warning", Location(row=3, column="備考"))
    page = render_html(draft)
    assert PAYLOAD not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    tags = parse(page)
    assert tags.tags["img"] == 0
    assert tags.tags["script"] == 0


def test_html_escapes_file_name_title_and_params(monkeypatch):
    use_sample_texts(monkeypatch)
    report = Report()
    report.add(
        "date-invalid", "error", Location(row=2, column="<b>日</b>"), cell="<script>x()</script>"
    )
    draft = Draft(source=Source(Path('"><svg onload=alert(1)>.csv')), report=report)
    page = render_html(draft, title="<i>AED</i>")
    tags = parse(page)
    assert (tags.tags["script"], tags.tags["svg"], tags.tags["b"], tags.tags["i"]) == (0, 0, 0, 0)
    assert "&lt;script&gt;x()&lt;/script&gt;" in page
    assert "&lt;i&gt;AED&lt;/i&gt;" in page


def test_html_has_verdict_summary_rows_and_both_languages(monkeypatch, tmp_path):
    draft = sample_draft(monkeypatch)
    path = write_html(draft, tmp_path / "report.html")
    page = path.read_text(encoding="utf-8")
    assert '<html lang="ja">' in page
    assert 'name="viewport"' in page
    assert "公開できません。直す必要のあるエラーが 4 件あります。" in page
    assert "Cannot be published. There are 4 errors that must be fixed." in page
    assert "和暦の日付を 312 件変換しました" in page
    assert "Converted 312 dates from the Japanese calendar" in page
    assert "cp932" in page
    # the type-error row: row 6, column 緯度, the raw value, ja text and en text
    row = re.search(
        r"<tr>\s*<th scope=\"row\" class=\"num\">6</th>\s*<td>緯度</td>(.*?)</tr>", page, re.S
    )
    assert row is not None
    assert '<td class="value">abc</td>' in row.group(1)
    assert "値がnumberになっていません。数字だけを入力してください。" in row.group(1)
    assert 'lang="en">The value is not a number. Enter digits only.' in row.group(1)
    # the machine-readability rule id and title, where known
    assert "1-11 西暦表記になっているか" in page
    tags = parse(page)
    scopes = {a.get("scope") for tag, a in tags.attrs if tag == "th"}
    assert scopes == {"col", "row"}
    assert tags.tags["h1"] == 1
    assert tags.tags["link"] == 0 and tags.tags["script"] == 0  # self-contained


def test_html_groups_by_severity_most_severe_first(monkeypatch):
    page = render_html(sample_draft(monkeypatch))
    ids = re.findall(r'<h2 id="(sev-[a-z]+)"', page)
    assert ids == ["sev-error", "sev-warning", "sev-info"]
    codes = re.findall(r'<h3 data-code="([a-z-]+)">[^<(]+ \((\d+)\)', page)
    assert codes[:4] == [
        ("date-invalid", "2"),
        ("constraint-error", "1"),
        ("type-error", "1"),
        ("extra-cell", "1"),
    ]
    assert (
        '<h3 data-code="date-invalid">存在しない日付 (2) '
        '<span class="secondary" lang="en">Invalid date</span>' in page
    )


def test_html_caps_long_listings(monkeypatch):
    use_sample_texts(monkeypatch)
    n = 2500
    table = pd.DataFrame({"電話番号": ["047-1xx"] * n}, index=range(2, n + 2))
    report = Report()
    for row in range(2, n + 2):
        report.add("phone-invalid", "warning", Location(file="big.csv", row=row, column="電話番号"))
    draft = Draft(source=Source(Path("big.csv")), raw_table=table, report=report)
    page = render_html(draft)
    assert page.count('<td class="value">047-1xx</td>') == 2000
    assert "ほかに 500 件あります（ここでは最初の 2000 件だけを表示しています）" in page
    assert "500 more not shown here" in page
    assert ">2001</th>" in page and ">2002</th>" not in page  # rows 2..2001 are shown
    small = render_html(draft, max_rows_per_code=10)
    assert small.count('<td class="value">') == 10
    assert len(page.encode()) < 2_000_000


def test_html_total_cap_across_codes(monkeypatch):
    use_sample_texts(monkeypatch)
    report = Report()
    for row in range(2, 12):
        report.add("phone-invalid", "warning", Location(row=row, column="電話番号"))
        report.add("missing-cell", "error", Location(row=row, column="名称"))
    draft = Draft(source=Source(Path("x.csv")), report=report)
    page = render_html(draft, max_rows_per_code=8, max_rows_total=12)
    assert page.count('<td class="value">') == 12  # 8 errors, then 4 warnings
    assert "ほかに 2 件あります" in page and "ほかに 6 件あります" in page


def test_html_english_first(monkeypatch):
    page = render_html(sample_draft(monkeypatch), lang_primary="en")
    assert '<html lang="en">' in page
    first = page.index("Cannot be published.")
    assert first < page.index("公開できません。")
