"""The fast validation engine: Frictionless' exact answers, computed over whole columns.

``validate_draft_table`` is what :func:`tsunagu.validators.engine.validate_draft` calls for
``engine="fast"``; ``validate_csv_file`` validates a file on disk (benchmarks). Both fall back
to Frictionless, saying why, for anything :mod:`.coverage` does not promise to reproduce.
"""

from __future__ import annotations

from tsunagu.validators.fast.engine import FastResult, FastUnsupported, validate_columns
from tsunagu.validators.fast.tables import validate_csv_file, validate_draft_table

ENGINES = ("fast", "frictionless")

__all__ = [
    "ENGINES",
    "FastResult",
    "FastUnsupported",
    "validate_columns",
    "validate_csv_file",
    "validate_draft_table",
]
