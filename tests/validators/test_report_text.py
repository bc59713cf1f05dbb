"""The terminal report: a summary table and the first problems, control characters made visible."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from tests.validators.test_report_json import sample_draft, use_sample_texts
from tsunagu.errors import Location
from tsunagu.model import Draft, Report, Source
from tsunagu.validators.report_text import printable, problem_lines, summary_table


def rendered(table, width: int = 200) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(table)
    return console.export_text()


def cells(table: Table) -> dict[str, str]:
    """{label: value} as plain text from a two-column rich table."""
    keys, values = (column.cells for column in table.columns)
    return {str(k): str(v) for k, v in zip(keys, values, strict=True)}


def test_summary_table_counts_and_facts(monkeypatch):
    draft = sample_draft(monkeypatch)
    table = summary_table(draft)
    plain = cells(table)
    assert plain["公開禁止"] == "0"
    assert plain["エラー"] == "4"
    assert plain["警告"] == "3"
    assert plain["情報"] == "1"
    assert plain["文字コード"] == "cp932"
    assert plain["データの行数"] == "6"
    assert plain["判定"].startswith("公開できません。直す必要のあるエラーが 4 件あります。")
    english = cells(summary_table(draft, "en"))
    assert english["Error"] == "4" and english["Encoding found"] == "cp932"
    assert "aed.csv" in rendered(table)


def test_problem_lines_verdict_counts_and_first_problems(monkeypatch):
    lines = problem_lines(sample_draft(monkeypatch), limit=3)
    assert lines[0].startswith("公開できません。")
    assert lines[1] == "公開禁止 0 件、エラー 4 件、警告 3 件、情報 1 件"
    assert lines[2] == (
        "[エラー] 存在しない日付 — aed.csv 3行目 列「設置日」: "
        "「令和2年13月1日」は日付として正しくありません。"
        "存在する日付（例: 令和2年12月1日）に直してください。"
    )
    assert lines[3].startswith("[エラー] 型に合わない値 — aed.csv 6行目 列「緯度」: ")
    assert lines[4].startswith("[エラー] 規則に合わない値 — aed.csv 7行目 列「経度」: ")
    assert lines[5].startswith("ほかに 5 件あります（ここでは最初の 3 件だけを表示しています）")
    assert len(lines) == 6


def test_problem_lines_english_and_no_more_line_when_all_fit(monkeypatch):
    lines = problem_lines(sample_draft(monkeypatch), limit=20, lang="en")
    assert lines[1] == "blocked 0, errors 4, warnings 3, info 1"
    assert len(lines) == 2 + 8
    assert lines[-1].startswith(
        '[Info] Column not mapped — aed.csv, column "備考": This column matches no field'
    )


def test_terminal_output_escapes_control_characters_and_markup(monkeypatch):
    use_sample_texts(monkeypatch)
    report = Report()
    report.add("date-invalid", "error", Location(row=2, column="日付"), cell="\x1b[2J[bold]x\u202e")
    draft = Draft(source=Source(Path("a\x1b]0;pwned\x07.csv")), report=report)
    line = problem_lines(draft)[2]
    assert "\x1b" not in line and "\u202e" not in line
    assert "\\x1b[2J[bold]x\\u202e" in line
    out = rendered(summary_table(draft))
    assert "\x1b" not in out and "\\x1b]0;pwned\\x07" in out
    assert printable("普通の文字") == "普通の文字"


def test_ok_verdict(monkeypatch):
    use_sample_texts(monkeypatch)
    draft = Draft(source=Source(Path("ok.csv")), report=Report())
    assert problem_lines(draft) == [
        "公開できます。問題は見つかりませんでした。",
        "公開禁止 0 件、エラー 0 件、警告 0 件、情報 0 件",
    ]
