"""The fast validation engine: Frictionless' exact answers, computed over column batches.

``validate_draft_table`` is what :func:`tsunagu.validators.engine.validate_draft` calls for
``engine="fast"``; ``validate_csv_file`` streams a file on disk (benchmarks) through
:class:`TableValidator`, batch by batch. Both fall back to Frictionless, saying why, for
anything :mod:`.coverage` does not promise to reproduce.
"""

from __future__ import annotations

from tsunagu.validators.fast.engine import (
    FastResult,
    FastUnsupported,
    TableValidator,
    validate_columns,
)
from tsunagu.validators.fast.tables import validate_csv_file, validate_draft_table

ENGINES = ("fast", "frictionless")

__all__ = [
    "ENGINES",
    "FastResult",
    "FastUnsupported",
    "TableValidator",
    "validate_columns",
    "validate_csv_file",
    "validate_draft_table",
]
