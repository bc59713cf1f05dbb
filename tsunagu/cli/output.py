"""How command results look in a terminal: one summary table, then the problems, ja or en."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from rich.console import Console
from rich.table import Table

from tsunagu.errors import Severity
from tsunagu.messages import render, title
from tsunagu.publisher.batch import Outcome
from tsunagu.validators.grouping import group_problems
from tsunagu.validators.report_json import severity_label

VERDICT = {
    "ja": {
        "valid": "公開可",
        "invalid": "要修正",
        "unreadable": "読込不可",
        "undecided": "標準未確定",
    },
    "en": {
        "valid": "valid",
        "invalid": "blocked",
        "unreadable": "unreadable",
        "undecided": "standard unclear",
    },
}
ROWS_SHOWN = 8  # rows named per grouped line in the terminal
STYLE = {"valid": "green", "invalid": "red", "unreadable": "magenta", "undecided": "yellow"}


def verdict(outcome: Outcome) -> str:
    if outcome.unreadable:
        return "unreadable"
    if outcome.draft is not None and outcome.draft.report.facts.get("schema_undecided"):
        return "undecided"  # the command needs --schema (or a manifest): a usage matter
    return "valid" if outcome.valid else "invalid"


def exit_code(outcomes: Iterable[Outcome]) -> int:
    """0 every dataset valid, 1 some blocked by its data, 2 some could not be read at all or
    need --schema because no standard is clearly the one."""
    verdicts = {verdict(o) for o in outcomes}
    if verdicts & {"unreadable", "undecided"}:
        return 2
    return 1 if "invalid" in verdicts else 0


def summary_table(outcomes: list[Outcome], lang: str) -> Table:
    ja = lang == "ja"
    table = Table(title="検証結果" if ja else "Validation results")
    headers = (
        ("データセット", "ファイル", "標準", "文字コード", "行数", "判定", "エラー", "警告", "変換")
        if ja
        else (
            "dataset",
            "file",
            "standard",
            "encoding",
            "rows",
            "verdict",
            "errors",
            "warnings",
            "changes",
        )
    )
    for header in headers:
        table.add_column(header, overflow="fold")
    for o in outcomes:
        v = verdict(o)
        label = f"[{STYLE[v]}]{VERDICT[lang][v]}[/]"
        if o.draft is None:
            table.add_row(o.label, "-", "-", "-", "-", label, "1", "0", "")
            continue
        r = o.draft.report
        counts = Counter(p.severity for p in r.problems)  # one pass over 100k trap cells
        errors = counts[Severity.ERROR] + counts[Severity.BLOCK]
        known = r.facts.get("known_problems")
        if known and known["found"] and not known["undocumented_blocking"]:
            label += " (既知)" if ja else " (documented)"
        changes = sum(r.changes.values())
        table.add_row(
            o.label,
            o.draft.source.name,
            str(r.facts.get("schema", o.draft.schema or "-")),
            str(r.facts.get("encoding", "-")),
            str(r.facts.get("rows", r.facts.get("features", "-"))),  # GIS: its features
            label,
            str(errors),
            str(counts[Severity.WARNING]),
            str(changes),
        )
    return table


def print_outcomes(outcomes: list[Outcome], lang: str, *, details: int = 0) -> None:
    console = Console()
    console.print(summary_table(outcomes, lang))
    for o in outcomes:
        features = o.draft.report.facts.get("features") if o.draft is not None else None
        if features is not None:  # GIS files: the table's rows are its features, say so
            console.print(render("report-features", lang, label=o.label, count=features))
    for o in outcomes:
        if o.error is not None:
            console.print(
                f"[bold]{o.label}[/]: "
                + (o.error.message_ja if lang == "ja" else o.error.message_en),
                markup=True,
            )
        if o.draft is None or not details:
            continue
        report = o.draft.report
        groups, _ = group_problems(report.problems)
        groups.sort(key=lambda g: -Severity(g["severity"]).rank)  # stable: first seen first
        if groups or report.changes:
            console.rule(o.label)
        for code, n in sorted(report.changes.items()):
            console.print("  · " + render(code, lang, count=n), markup=False)
        for group in groups[:details]:
            severity = severity_label(Severity(group["severity"]), lang)
            tag = f"[{severity}] {title(group['code'], lang)} — "
            console.print("  " + tag + _grouped(group, lang), markup=False)
        if len(groups) > details:
            more = sum(g["count"] for g in groups[details:])
            console.print(
                f"  … 他 {more} 件" if lang == "ja" else f"  … and {more} more", markup=False
            )


def _grouped(group: dict, lang: str) -> str:
    """A group's first message, and when it stands for more cells, how many and where: a
    wave-dash note on every row is one line, as in the HTML and JSON reports."""
    message = str(group["message"][lang])
    count = int(group["count"])
    if count <= 1:
        return message
    rows = [str(r) for r in group["rows"][:ROWS_SHOWN]]
    listed = ", ".join(rows) + (", …" if count > len(rows) else "")
    if lang == "ja":
        return f"{message}（同じ指摘 計 {count} 件: {listed} 行目）"
    return f"{message} (the same finding in {count} cells: rows {listed})"
