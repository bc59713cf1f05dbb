"""What a dataset page needs beyond the catalogue record — plain functions, no Flask.

Kept apart from the views so the rules (when a dataset is overdue, how many preview rows, how a
CSV becomes a safe "for Excel" download) are tested without a request.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

FREQUENCY_DAYS = {"daily": 1, "weekly": 7, "monthly": 31, "quarterly": 92, "yearly": 366}
GRACE = 0.25  # a quarter of the period late before a dataset counts as overdue


def parse_time(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def next_due(update_frequency: str, modified: str) -> datetime | None:
    days = FREQUENCY_DAYS.get(update_frequency)
    last = parse_time(modified)
    if days is None or last is None:
        return None
    return last + timedelta(days=days * (1 + GRACE))


def is_overdue(update_frequency: str, modified: str, now: datetime | None = None) -> bool:
    due = next_due(update_frequency, modified)
    return due is not None and (now or datetime.now(UTC)) > due


def preview(path: Path, rows: int = 10) -> tuple[list[str], list[list[str]]]:
    """Header and the first rows of a standard CSV (UTF-8) for the page's preview table."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        body = [row for _, row in zip(range(rows), reader, strict=False)]
    return header, body


def excel_csv_chunks(path: Path) -> Iterator[bytes]:
    """The same CSV for Excel: UTF-8 with BOM, CRLF, and formula-like text neutralised.

    The canonical file stays byte-exact open data; only this download is changed (ASVS
    V1.2.10; ../shared/quality/security-and-bad-inputs.md §2.4).
    """
    from tsunagu.formats.spreadsheet_safety import neutralize_formula

    yield "\ufeff".encode()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        for number, row in enumerate(reader):
            out = io.StringIO()
            cells = (
                row if number == 0 else [neutralize_formula(c, numeric=_is_number(c)) for c in row]
            )
            csv.writer(out, lineterminator="\r\n").writerow(cells)
            yield out.getvalue().encode("utf-8")


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True
