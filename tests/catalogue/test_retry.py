"""RetryPolicy: attempt counts, caps, jitter bounds, no retry on answers that will not change."""

from __future__ import annotations

import pytest

from tsunagu.catalogue.retry import RetryPolicy
from tsunagu.errors import CatalogueConflict, CatalogueUnavailable, PermissionDenied


def failing(times: int, error: Exception):
    calls = []

    def operation() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise error
        return "ok"

    return operation, calls


def test_transient_failures_are_retried_with_exponential_backoff():
    slept: list[float] = []
    policy = RetryPolicy(attempts=4, base_delay=1.0, jitter=0.0, sleep=slept.append)
    operation, calls = failing(3, CatalogueUnavailable("503"))
    assert policy.call(operation) == "ok"
    assert len(calls) == 4
    assert slept == policy.delays == [1.0, 2.0, 4.0]


def test_gives_up_after_the_attempts_and_raises_the_last_error():
    policy = RetryPolicy(attempts=3, base_delay=0.1, sleep=lambda _: None)
    operation, calls = failing(10, CatalogueUnavailable("timeout"))
    with pytest.raises(CatalogueUnavailable):
        policy.call(operation)
    assert len(calls) == 3 and len(policy.delays) == 2


@pytest.mark.parametrize("error", [CatalogueConflict("409"), PermissionDenied("403")])
def test_answers_are_not_retried(error):
    policy = RetryPolicy(attempts=5, sleep=lambda _: None)
    operation, calls = failing(1, error)
    with pytest.raises(type(error)):
        policy.call(operation)
    assert len(calls) == 1 and policy.delays == []


def test_delay_is_capped():
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0, jitter=0.0)
    assert [policy.delay(n) for n in range(6)] == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_delays_stay_within_the_jitter():
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0, jitter=0.1)
    for attempt, base in enumerate([0.5, 1.0, 2.0, 4.0, 4.0]):
        samples = [policy.delay(attempt) for _ in range(200)]
        assert all(base * 0.9 <= d <= base * 1.1 for d in samples)
        assert len(set(samples)) > 1  # really jittered, so retries of many clients spread out


def test_recorded_delays_stay_bounded():
    policy = RetryPolicy(attempts=2, base_delay=0.0, sleep=lambda _: None)
    for _ in range(150):
        operation, _calls = failing(1, CatalogueUnavailable("503"))
        policy.call(operation)
    assert len(policy.delays) == 100
