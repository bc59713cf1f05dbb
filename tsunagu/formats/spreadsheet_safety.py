"""Keep department text from turning into formulas when a spreadsheet opens it.

Excel, LibreOffice and Google Sheets evaluate a cell whose text starts with ``=``, ``+``, ``-``
or ``@`` (some also after a leading TAB or CR), and openpyxl itself stores a string starting with
``=`` as a real ``<f>`` formula. OWASP ASVS 5.0 V1.2.10 asks every spreadsheet-oriented export
(XLSX, "CSV for Excel") to prefix such text cells with a single quote. The canonical published
CSV stays byte-exact (it is machine-readable open data); only exports meant for spreadsheets,
such as the annotated validation report, go through here (security-and-bad-inputs.md §2.4).
"""

from __future__ import annotations

import re

#: First characters that make a spreadsheet evaluate a text cell (OWASP / ASVS V1.2.10).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")

#: Full-width look-alikes. They did not form formulas in openpyxl, but a department may paste
#: them from a formula-bearing source, so an ingest scan flags them for a person to confirm.
FULL_WIDTH_TRIGGERS = ("＝", "＋", "－", "＠")

#: Longest text an Excel cell holds; longer text makes Excel "repair" the whole file.
EXCEL_MAX_CELL_CHARS = 32767

# A plain number literal ("-42", "+1.5", "-3e5") is read as a number, never evaluated.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")

# Characters XML 1.0 cannot hold (openpyxl raises IllegalCharacterError on them).
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def is_formula_like(value: object) -> bool:
    """True when ``value`` is text a spreadsheet could evaluate, or a full-width look-alike.

    For scans that ask a person to confirm a cell; exports use :func:`neutralize_formula`.
    """
    if not isinstance(value, str) or not value:
        return False
    return value.startswith(FORMULA_TRIGGERS + FULL_WIDTH_TRIGGERS)


def neutralize_formula(value: str, *, numeric: bool = False) -> str:
    """Prefix ``'`` to text that starts with a formula trigger, so it stays text.

    ``numeric=True`` says the cell belongs to a numeric column: a plain number literal such as
    ``-42`` is then left alone, so it stays a number; anything else (``-2+3``) is still
    neutralized. Full-width look-alikes are left unchanged, since they are not evaluated.
    """
    if not value.startswith(FORMULA_TRIGGERS):
        return value
    if numeric and _NUMBER.fullmatch(value):
        return value
    return "'" + value


def excel_text(value: str, *, numeric: bool = False) -> str:
    """Text safe to store in an .xlsx string cell: neutralized, XML-legal, within Excel's limit.

    Control characters XML cannot carry become U+FFFD (visible, and the file still opens); text
    longer than Excel's cell limit is cut with a trailing ``…`` rather than corrupting the file.
    """
    text = _XML_ILLEGAL.sub("\ufffd", neutralize_formula(value, numeric=numeric))
    if len(text) > EXCEL_MAX_CELL_CHARS:
        text = text[: EXCEL_MAX_CELL_CHARS - 1] + "…"
    return text
