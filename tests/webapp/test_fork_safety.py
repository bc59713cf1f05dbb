"""Thread pools that a fork loses: found by name, and never started by building the app and
loading its layers (what gunicorn's master does before it forks the workers)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import pytest

from tests.webapp.test_gunicorn import _publish
from tsunagu.webapp.fork_safety import ForkUnsafe, check_before_fork, unsafe_thread_pools


def test_pools_are_named_by_library():
    assert unsafe_thread_pools(["python", "jemalloc_bg_thd", "polars-ooc-clea"]) == []
    assert unsafe_thread_pools(["python", "polars-0", "polars-1"]) == [
        "polars (rayon compute pool)"
    ]
    assert unsafe_thread_pools(["tokio-rt-worker", "polars-12"]) == [
        "polars (rayon compute pool)",
        "polars (tokio async runtime)",
    ]


MASTER = textwrap.dedent(
    """
    import json, sys
    from tsunagu.wsgi import app
    from tsunagu.webapp.api.features import warm
    from tsunagu.webapp.fork_safety import ForkUnsafe, check_before_fork, unsafe_thread_pools

    loaded = warm(app)
    before = unsafe_thread_pools()
    check_before_fork()
    import polars as pl
    import time
    pl.DataFrame({"a": list(range(200_000))}).sort("a", descending=True).select(pl.col("a").sum())
    refused = None
    for _ in range(50):  # the pool's threads may appear (and get their names) a moment later
        try:
            check_before_fork()
        except ForkUnsafe as exc:
            refused = [exc.message_en, exc.message_ja]
            break
        time.sleep(0.1)
    print(json.dumps({"loaded": loaded, "before": before, "refused": refused}))
    """
)


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="thread names need Linux /proc")
def test_building_the_app_and_warming_layers_starts_no_unsafe_pool(tmp_path, data_path):
    """In a fresh interpreter (this one may run polars for other tests): the wsgi app with a
    published layer, warmed as ``when_ready`` does, leaves no pool a fork would lose; a polars
    call afterwards is caught and refused with a message in both languages."""
    import json

    data_dir = tmp_path / "instance"
    _publish(data_dir, data_path("webapp/api/aed_kashiwa.geojson"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSUNAGU_")}
    done = subprocess.run(
        [sys.executable, "-c", MASTER],
        env={**env, "TSUNAGU_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["loaded"] == ["kashiwa-aed-19"]
    assert answer["before"] == []
    english, japanese = answer["refused"]
    # Which of polars' pools starts first depends on the machine (CI's answered with its async
    # runtime, this one with the compute pool); either must be caught and named.
    assert re.search(r"polars \((rayon compute pool|tokio async runtime)\)", english)
    assert "TSUNAGU_WARM_LAYERS=0" in english
    assert "スレッドプール" in japanese


def test_check_passes_when_nothing_unsafe_runs(monkeypatch):
    monkeypatch.setattr("tsunagu.webapp.fork_safety.thread_names", lambda: ["python"])
    check_before_fork()
    monkeypatch.setattr("tsunagu.webapp.fork_safety.thread_names", lambda: ["polars-3"])
    with pytest.raises(ForkUnsafe, match="polars"):
        check_before_fork()
