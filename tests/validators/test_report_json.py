"""The JSON report: the complete record, with totals, cell values and rule titles.

``sample_draft`` (also used by the other report tests) builds a validated Kashiwa AED draft from
tests/data/reports/: the table as read, the problems found and the message templates.
"""

from __future__ import annotations

import json
import sys
import types
from collections import Counter
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tsunagu import __version__, messages
from tsunagu.errors import Location, Severity
from tsunagu.model import Draft, Report, Source
from tsunagu.validators.report_json import (
    cell_value,
    load_rules,
    report_document,
    verdict,
    write_json,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "reports"

FAKE_RULES = {
    "RULES": {"1-11": {"ja": "西暦表記になっているか", "en": "Dates use the Western calendar"}},
    "RULE_FOR_CODE": {"date-invalid": "1-11"},
}


def use_sample_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Patch in the report texts plus tests/data/reports/texts.yaml, and a fixed rule catalogue.

    Only this room's catalogue is loaded, so these tests do not depend on other rooms' wording.
    """
    ours = resources.files("tsunagu.texts").joinpath("reports.yaml").read_text(encoding="utf-8")
    extra = yaml.safe_load((DATA / "texts.yaml").read_text(encoding="utf-8"))
    merged = {**yaml.safe_load(ours), **extra}
    monkeypatch.setattr(messages, "catalogue", lambda: merged)
    monkeypatch.setitem(
        sys.modules, "tsunagu.validators.rules", types.SimpleNamespace(**FAKE_RULES)
    )


def read_raw_table(path: Path) -> pd.DataFrame:
    """As a reader would give it: all ``str``, "" for empty, index = line number in the file."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    table.index = range(2, len(table) + 2)
    return table


def sample_draft(monkeypatch: pytest.MonkeyPatch, table: pd.DataFrame | None = None) -> Draft:
    use_sample_texts(monkeypatch)
    spec = yaml.safe_load((DATA / "problems.yaml").read_text(encoding="utf-8"))
    report = Report(facts=dict(spec["facts"]), changes=Counter(spec["changes"]))
    for p in spec["problems"]:
        location = Location(file="aed.csv", row=p.get("row"), column=p.get("column"))
        report.add(p["code"], p["severity"], location, rule=p.get("rule"), **p.get("params", {}))
    source = Source(Path("aed.csv"), format="csv", encoding="cp932", sha256="ab" * 32, size=812)
    raw = read_raw_table(DATA / "aed_raw.csv") if table is None else table
    return Draft(source=source, raw_table=raw, schema="aed", report=report)


def test_report_document_totals_per_severity_and_code(monkeypatch):
    doc = report_document(sample_draft(monkeypatch))
    assert doc["totals"]["severity"] == {"block": 0, "error": 4, "warning": 3, "info": 1}
    assert doc["totals"]["code"] == {
        "column-unmapped": 1,
        "constraint-error": 1,
        "date-invalid": 2,
        "extra-cell": 1,
        "missing-cell": 1,
        "phone-invalid": 1,
        "type-error": 1,
    }
    assert doc["verdict"]["status"] == "blocked"
    assert doc["verdict"]["ja"].startswith("公開できません。直す必要のあるエラーが 4 件あります")
    assert doc["valid"] is False
    assert doc["schema"] == "aed"
    assert doc["tool"] == {"name": "tsunagu", "version": __version__}
    assert doc["source"]["file"] == "aed.csv"
    assert doc["source"]["encoding"] == "cp932"


def test_report_document_adds_cell_values_and_rules(monkeypatch):
    doc = report_document(sample_draft(monkeypatch))
    by_row = {(p["location"].get("row"), p["code"]): p for p in doc["problems"]}
    assert by_row[(6, "type-error")]["value"] == "abc"  # from raw_table
    assert by_row[(3, "date-invalid")]["value"] == "令和2年13月1日"  # from params["cell"]
    assert by_row[(7, "constraint-error")]["value"] == "-42"
    assert "value" not in by_row[(4, "extra-cell")]  # a row-level problem has no single cell
    assert by_row[(3, "date-invalid")]["readability_rule"] == {
        "id": "1-11",
        "title": {"ja": "西暦表記になっているか", "en": "Dates use the Western calendar"},
    }
    assert "readability_rule" not in by_row[(6, "type-error")]
    assert by_row[(6, "type-error")]["rule"] == "type-error"
    changes = {c["code"]: c for c in doc["changes"]}
    assert changes["normalized-wareki-date"]["message"]["ja"] == "和暦の日付を 312 件変換しました"


def test_write_json_round_trips_utf8(monkeypatch, tmp_path):
    draft = sample_draft(monkeypatch)
    path = write_json(draft, tmp_path / "report.json", title="AED 一覧")
    raw = path.read_bytes().decode("utf-8")
    assert "設置日" in raw  # ensure_ascii=False: Japanese is written as is
    assert "\\u" not in raw
    doc = json.loads(raw)
    assert doc["title"] == "AED 一覧"
    assert len(doc["problems"]) == 8
    assert [list(d) for d in (doc, doc["problems"][0])] == [sorted(doc), sorted(doc["problems"][0])]
    assert not (tmp_path / "report.json.part").exists()
    again = report_document(draft, title="AED 一覧")
    assert json.loads(json.dumps(again, ensure_ascii=False)) == doc
    assert (
        write_json(draft, tmp_path / "again.json", title="AED 一覧").read_bytes()
        == path.read_bytes()
    )


def test_generated_at_only_when_asked(monkeypatch):
    draft = sample_draft(monkeypatch)
    assert "generated_at" not in report_document(draft)  # same input, same bytes: no re-upload
    stamp = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
    assert report_document(draft, generated_at=stamp)["generated_at"] == "2026-04-01T09:00:00+00:00"


def test_write_json_keeps_numpy_facts_numbers(monkeypatch, tmp_path):
    draft = sample_draft(monkeypatch)
    draft.report.facts["rows"] = pd.Series([6]).iloc[0]  # numpy.int64, as pandas hands it over
    draft.report.facts["source_path"] = Path("/srv/uploads/aed.csv")
    doc = json.loads(write_json(draft, tmp_path / "r.json").read_text(encoding="utf-8"))
    assert doc["facts"]["rows"] == 6
    assert doc["facts"]["source_path"] == "/srv/uploads/aed.csv"


def test_block_problem_never_reprints_the_raw_cell(monkeypatch):
    draft = sample_draft(monkeypatch)
    table = draft.raw_table.copy()
    table.loc[2, "備考"] = "123456789018"
    draft = draft.evolve(raw_table=table)
    masked = draft.report.add(
        "personal-number", "block", Location(row=2, column="備考"), cell="1234********"
    )
    bare = draft.report.add("personal-number", "block", Location(row=2, column="備考"))
    assert cell_value(draft, masked) == "1234********"
    assert cell_value(draft, bare) is None
    assert "123456789018" not in json.dumps(report_document(draft), ensure_ascii=False)


def test_verdicts(monkeypatch):
    use_sample_texts(monkeypatch)
    report = Report()
    assert verdict(report) == "ok"
    report.add("phone-invalid", Severity.WARNING, Location(row=2, column="電話番号"))
    assert verdict(report) == "warnings"
    report.add("missing-cell", Severity.ERROR, Location(row=3, column="名称"))
    assert verdict(report) == "blocked"


def test_rules_absent_is_tolerated(monkeypatch):
    monkeypatch.setitem(sys.modules, "tsunagu.validators.rules", None)  # import raises ImportError
    rules = load_rules()
    assert rules.titles == {} and rules.for_code == {}


def test_cell_value_uses_header_as_written_and_repeated_headers():
    table = pd.DataFrame([["a", "b"], ["c", "d"]], columns=["備考", "備考"], index=[5, 6])
    draft = Draft(source=Source(Path("x.csv")), raw_table=table)
    problem = Report().add("missing-cell", "error", Location(row=6, column="備考"))
    assert cell_value(draft, problem) == "c"
    off_table = Report().add("missing-cell", "error", Location(row=60, column="備考"))
    assert cell_value(draft, off_table) is None


def test_groups_are_the_same_whether_problems_share_their_params_or_not():
    """Issue 17: readers share one params record among a text's cells; grouping works it
    out once per record, with the same counts, first rows and listed problems."""
    from tsunagu.errors import Location, Problem, Severity
    from tsunagu.validators.grouping import group_problems

    shared = {"char": "～", "codepoint": "U+FF5E", "suggestion": "~"}
    column_wide = {"count": 30, "rows": [4, 9, 12]}

    def problems(share: bool) -> list[Problem]:
        out = []
        for row in range(3, 60):
            params = shared if share else dict(shared)
            out.append(
                Problem(
                    "cp932-unicode-mismatch",
                    Severity.WARNING,
                    Location(row=row, column="時間"),
                    params,
                )
            )
            if row % 7 == 0:
                out.append(
                    Problem(
                        "layout-spaces",
                        Severity.WARNING,
                        Location(column="名称"),
                        dict(column_wide),
                    )
                )
        return out

    assert group_problems(problems(True)) == group_problems(problems(False))
    groups, listed = group_problems(problems(True))
    assert [(g["code"], g["count"], g["rows"][:3]) for g in groups] == [
        ("cp932-unicode-mismatch", 57, [3, 4, 5]),
        ("layout-spaces", 8 * 30, [4, 9, 12]),
    ]
    assert len(groups[0]["rows"]) == 20 and len(listed) == 10


def test_only_listed_problems_are_rendered_and_the_rest_of_the_report_is_whole(monkeypatch):
    """The document renders the listed problems only, yet says what ``Report.to_dict`` says."""
    from tsunagu.validators.grouping import group_problems

    draft = sample_draft(monkeypatch)
    for row in range(200):  # more of one group than are listed in full
        draft.report.add("date-invalid", "error", Location(file="aed.csv", row=row + 10))
    doc = report_document(draft)
    whole = draft.report.to_dict()
    _, listed = group_problems(draft.report.problems)
    assert len(listed) < len(draft.report.problems)
    for key in ("valid", "summary", "facts", "changes"):
        assert doc[key] == whole[key]
    expected = [whole["problems"][i] for i in listed]
    rendered = [
        {k: p[k] for k in e if k in p} for p, e in zip(doc["problems"], expected, strict=True)
    ]
    assert rendered == expected
