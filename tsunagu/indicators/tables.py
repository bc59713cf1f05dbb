"""The indicators as titled tables (ja or en): what ``tsunagu report`` prints in the terminal
and writes as sheets of a workbook for a council report. One definition, two outputs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tsunagu.indicators.compute import Indicators
from tsunagu.indicators.opendata import TABLE_SCHEMA, rows

STATUS = {
    "ja": {
        "published": "公開中",
        "blocked": "公開停止中",
        "missing": "未整備",
        "on_time": "予定どおり",
        "due": "更新時期",
        "overdue": "遅れ",
        "unscheduled": "予定なし",
    },
    "en": {
        "published": "published",
        "blocked": "blocked",
        "missing": "not published",
        "on_time": "on time",
        "due": "due",
        "overdue": "overdue",
        "unscheduled": "not scheduled",
    },
}
SUMMARY_LABELS = {
    "standards_total": ("標準データセット（全体）", "Standard datasets (all)"),
    "standards_published": ("標準データセット（公開中）", "Standard datasets published"),
    "standards_blocked": ("標準データセット（公開停止中）", "Standard datasets blocked"),
    "standards_missing": ("標準データセット（未整備）", "Standard datasets not published"),
    "datasets": ("データセット数", "Datasets"),
    "non_standard_datasets": ("独自データセット", "Non-standard datasets"),
    "stars": ("5つ星の段階（段階: 件数）", "5-star levels (level: datasets)"),
    "non_standard_stars": (
        "独自データセットの5つ星の段階（段階: 件数）",
        "5-star levels of non-standard datasets (level: datasets)",
    ),
    "problem_cell_share": ("問題のあるセルの割合", "Share of cells with problems"),
    "blocked_attempts": ("公開が止まった回数", "Blocked attempts"),
    "blocked_now": ("公開停止中のデータセット", "Datasets blocked now"),
    "on_time": ("予定どおり", "On time"),
    "due": ("更新時期", "Due"),
    "overdue": ("更新遅れ", "Overdue"),
    "unscheduled": ("更新予定なし", "Not scheduled"),
    "page_views": ("ページ閲覧", "Page views"),
    "downloads": ("ダウンロード", "Downloads"),
    "api_requests": ("API リクエスト", "API requests"),
    "median_days_upload_to_publication": (
        "登録から公開まで（中央値、日）",
        "Upload to publication (median days)",
    ),
    "median_days_blocked_to_fixed": (
        "公開停止から修正まで（中央値、日）",
        "Blocked to fixed (median days)",
    ),
}


#: summary figures that are a {level: datasets} count, printed as "level: n, …"
STAR_COUNTS = ("stars", "non_standard_stars")


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    header: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def _t(lang: str, ja: str, en: str) -> str:
    return ja if lang == "ja" else en


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _summary(ind: Indicators, lang: str) -> Section:
    body = []
    for key, value in ind.summary.items():
        label = SUMMARY_LABELS[key][0 if lang == "ja" else 1]
        if key in STAR_COUNTS:
            value = ", ".join(f"{level}: {n}" for level, n in value.items())
        body.append((label, _blank(value)))
    return Section("summary", _t(lang, "主な数値", "Key figures"), (_t(lang, "指標", "Indicator"),
                   _t(lang, "値", "Value")), body)  # fmt: skip


def _coverage(ind: Indicators, lang: str) -> Section:
    header = (
        _t(lang, "標準データセット", "Standard dataset"),
        _t(lang, "状況", "Status"),
        _t(lang, "部署", "Department"),
        _t(lang, "データセット", "Datasets"),
    )
    body = [
        (
            _t(lang, c.title_ja, c.title_en or c.title_ja),
            STATUS[lang][c.status],
            ", ".join(ind.department_title(d, lang) for d in c.departments),
            ", ".join(c.datasets),
        )
        for c in ind.coverage
    ]
    return Section("coverage", _t(lang, "整備状況", "Coverage"), header, body)


def _openness(ind: Indicators, lang: str) -> Section:
    """Each dataset's 5-star level beside its standard, so the non-standard datasets (独自) and
    their levels are read off one table, as the coverage indicator defines them."""
    titles = {c.standard: _t(lang, c.title_ja, c.title_en or c.title_ja)
              for c in ind.coverage}  # fmt: skip
    header = (
        _t(lang, "データセット", "Dataset"),
        _t(lang, "部署", "Department"),
        _t(lang, "標準データセット", "Standard dataset"),
        _t(lang, "5つ星の段階", "5-star level"),
    )
    body = [
        (o.dataset_id, ind.department_title(o.department, lang),
         titles.get(o.standard, _t(lang, "独自", "non-standard")), "★" * o.stars or "0")
        for o in sorted(ind.openness, key=lambda o: (o.standard in titles, o.dataset_id))
    ]  # fmt: skip
    return Section("openness", _t(lang, "5つ星の段階", "Openness (5 stars)"), header, body)


def _freshness(ind: Indicators, lang: str) -> Section:
    header = (
        _t(lang, "データセット", "Dataset"),
        _t(lang, "部署", "Department"),
        _t(lang, "更新頻度", "Frequency"),
        _t(lang, "最終更新", "Last update"),
        _t(lang, "更新予定", "Expected"),
        _t(lang, "状況", "Status"),
        _t(lang, "遅れ（日）", "Days overdue"),
    )
    body = [
        (f.dataset_id, ind.department_title(f.department, lang), f.frequency, f.last_update[:10],
         f.expected or "", STATUS[lang][f.status], f.days_overdue)
        for f in sorted(ind.freshness, key=lambda f: (-f.days_overdue, f.dataset_id))
    ]  # fmt: skip
    return Section("freshness", _t(lang, "鮮度", "Freshness"), header, body)


def _quality(ind: Indicators, lang: str) -> Section:
    header = (
        _t(lang, "データセット", "Dataset"),
        _t(lang, "版", "Version"),
        _t(lang, "セル", "Cells"),
        _t(lang, "問題のあるセル", "Problem cells"),
        _t(lang, "割合", "Share"),
        _t(lang, "警告", "Warnings"),
        _t(lang, "ルール合格", "Rules passed"),
        _t(lang, "ルール不合格", "Rules failed"),
        _t(lang, "公開停止の回数", "Blocked attempts"),
        _t(lang, "停止日数", "Days blocked"),
        _t(lang, "版ごとの推移", "By version"),
    )
    body = [
        (q.dataset_id, _blank(q.version), _blank(q.cells), _blank(q.problem_cells),
         _blank(q.problem_share), _blank(q.warnings), len(q.rules_passed),
         " ".join(q.rules_failed), q.blocked_attempts, q.blocked_days, _history(q.history))
        for q in ind.quality
    ]  # fmt: skip
    return Section("quality", _t(lang, "品質", "Quality"), header, body)


def _history(history: tuple[tuple[int | None, float | None], ...]) -> str:
    return " → ".join(f"v{v}: {'' if share is None else share}" for v, share in history)


def _use(ind: Indicators, lang: str) -> Section:
    header = (
        _t(lang, "データセット", "Dataset"),
        _t(lang, "ページ閲覧", "Page views"),
        _t(lang, "ダウンロード", "Downloads"),
        _t(lang, "API", "API requests"),
    )
    body = [
        (u.dataset_id, u.page_views, u.downloads, u.api_requests)
        for u in sorted(ind.use, key=lambda u: (-u.downloads, u.dataset_id))
    ]
    if ind.department is None:
        body.append((_t(lang, "（データセット以外の API）", "(API, no single dataset)"), 0, 0,
                     ind.api_site))  # fmt: skip
    return Section("use", _t(lang, "利用", "Use"), header, body)


def _downloads(ind: Indicators, lang: str) -> Section:
    """Downloads per resource (file key; older versions count under the same key)."""
    header = (
        _t(lang, "データセット", "Dataset"),
        _t(lang, "ファイル", "Resource"),
        _t(lang, "ダウンロード", "Downloads"),
    )
    body = [(dataset, key, n) for dataset, key, n in
            sorted(ind.downloads_by_resource, key=lambda r: (-r[2], r[0], r[1]))]  # fmt: skip
    title = _t(lang, "ダウンロード（ファイル別）", "Downloads by resource")
    return Section("downloads", title, header, body)


def _responsiveness(ind: Indicators, lang: str) -> Section:
    header = (
        _t(lang, "データセット", "Dataset"),
        _t(lang, "区間", "Interval"),
        _t(lang, "開始", "Start"),
        _t(lang, "終了", "End"),
        _t(lang, "日数", "Days"),
    )
    body = [
        (i.dataset_id, _t(lang, "登録→公開", "upload → published"), i.start, i.end or "", i.days)
        for i in ind.upload_to_publication
    ]
    body += [
        (i.dataset_id, _t(lang, "公開停止→修正", "blocked → fixed"), i.start, i.end or "", i.days)
        for i in ind.blocked_to_fixed
    ]
    return Section("responsiveness", _t(lang, "対応の速さ", "Responsiveness"), header, body)


SECTIONS: tuple[Callable[[Indicators, str], Section], ...] = (
    _summary,
    _coverage,
    _openness,
    _freshness,
    _quality,
    _use,
    _downloads,
    _responsiveness,
)


def sections(ind: Indicators, lang: str = "ja") -> list[Section]:
    return [make(ind, lang) for make in SECTIONS]


def _safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula stays text (department titles come from
    configuration, but a workbook for a council report must never compute anything)."""
    from tsunagu.formats.spreadsheet_safety import neutralize_formula

    return neutralize_formula(value) if isinstance(value, str) else value


def write_xlsx(ind: Indicators, path: Path, lang: str = "ja") -> Path:
    """One sheet per section plus the long open-data table (sheet ``indicators``)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.worksheets[0])  # the empty sheet every new workbook starts with
    period = f"{ind.period.start.isoformat()} – {ind.period.end.isoformat()}"
    for section in sections(ind, lang):
        ws = wb.create_sheet(section.title[:31])
        ws.append([section.title, period])
        ws.append(list(section.header))
        for cell in ws[2]:
            cell.font = Font(bold=True)
        for row in section.rows:
            ws.append([_safe(v) for v in row])
    ws = wb.create_sheet("indicators")
    names = [f["name"] for f in TABLE_SCHEMA["fields"]]
    ws.append(names)
    for record in rows(ind):
        ws.append([_safe(record[n]) for n in names])
    wb.save(path)
    return path
