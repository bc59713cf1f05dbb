"""Retries with exponential backoff, jitter and a cap, for transient catalogue failures only.

Only :class:`~tsunagu.errors.CatalogueUnavailable` (timeouts, dropped connections, 5xx, 429) is
retried; a 4xx answer (bad data, no permission) fails at once, because asking again cannot
help. The clock and sleep are injectable so tests can assert the delays without waiting.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from tsunagu.errors import CatalogueUnavailable

T = TypeVar("T")
KEEP_DELAYS = 100


@dataclass
class RetryPolicy:
    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    jitter: float = 0.1
    sleep: Callable[[float], None] = time.sleep
    delays: list[float] = field(default_factory=list)  # what was slept, for tests and logs

    def delay(self, attempt: int) -> float:
        base = min(self.max_delay, self.base_delay * 2**attempt)
        return base * (1 + random.uniform(-self.jitter, self.jitter))  # noqa: S311 - not crypto

    def call(self, operation: Callable[[], T]) -> T:
        for attempt in range(self.attempts):
            try:
                return operation()
            except CatalogueUnavailable:
                if attempt == self.attempts - 1:
                    raise
                pause = self.delay(attempt)
                self.delays.append(pause)
                del self.delays[:-KEEP_DELAYS]  # a long-lived web process must not grow it
                self.sleep(pause)
        raise AssertionError("unreachable")  # pragma: no cover
