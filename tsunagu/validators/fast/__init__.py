"""The fast validation engine: Frictionless' exact answers, computed over column batches.

``validate_draft_table`` is what :func:`tsunagu.validators.engine.validate_draft` calls for
``engine="fast"``; it falls back to Frictionless, saying why, for anything :mod:`.coverage`
does not promise to reproduce.
"""

from __future__ import annotations

from tsunagu.validators.fast.engine import (
    FastResult,
    FastUnsupported,
    TableValidator,
    validate_columns,
)
from tsunagu.validators.fast.tables import validate_draft_table

ENGINES = ("fast", "frictionless")

__all__ = [
    "ENGINES",
    "FastResult",
    "FastUnsupported",
    "TableValidator",
    "validate_columns",
    "validate_draft_table",
]
