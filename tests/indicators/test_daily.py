"""The indicators' daily publication, scheduled by the app: once a day, however often asked."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

from tsunagu.catalogue.local import LocalCatalogue
from tsunagu.config import PROJECT_ROOT, load_settings
from tsunagu.indicators.daily import DATASET_ID, DailyTrigger, publish_daily, published_day

AED = PROJECT_ROOT / "datasets/kashiwa/kenko/aed-installations"


def _published_instance(tmp_path):
    instance = tmp_path / "instance"
    done = subprocess.run(
        [sys.executable, "-m", "tsunagu", "--data-dir", str(instance), "publish", str(AED)],
        capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return load_settings({"data_dir": instance}, env={})


def test_the_job_publishes_once_a_day(tmp_path):
    settings = _published_instance(tmp_path)
    catalogue = LocalCatalogue.from_settings(settings)
    first, second = date(2026, 12, 5), date(2026, 12, 6)
    assert publish_daily(settings=settings, catalogue=catalogue, today=lambda: first) == "published"
    assert published_day(settings) == first
    assert publish_daily(settings=settings, catalogue=catalogue, today=lambda: first) == "already"
    assert len(catalogue.list_versions(DATASET_ID)) == 1
    record = catalogue.get_dataset(DATASET_ID)
    assert {r.key for r in record.resources} >= {"csv", "json", "schema", "datapackage"}
    path, _ = catalogue.open_file(DATASET_ID, "csv")
    assert "kenko" in path.read_text(encoding="utf-8")  # the published department is counted
    assert publish_daily(settings=settings, catalogue=catalogue, today=lambda: second) in (
        "published",
        "unchanged",
    )
    assert published_day(settings) == second
    assert list((settings.data_dir / "work").iterdir()) == []


def test_two_processes_running_the_job_on_one_day_publish_once(tmp_path):
    settings = _published_instance(tmp_path)
    code = (
        "import sys\n"
        "from tsunagu.config import load_settings\n"
        "from tsunagu.indicators.daily import publish_daily\n"
        f"data_dir = {str(settings.data_dir)!r}\n"
        "print(publish_daily(settings=load_settings({'data_dir': data_dir})))\n"
    )
    runs = [
        subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    answers = sorted(run.communicate(timeout=300)[0].strip() for run in runs)
    assert answers == ["already", "published"]
    catalogue = LocalCatalogue.from_settings(settings)
    assert len(catalogue.list_versions(DATASET_ID)) == 1


def test_the_trigger_queues_the_job_once_per_day():
    queued: list[str] = []
    today = [date(2026, 12, 5)]
    trigger = DailyTrigger(queued.append, today=lambda: today[0])
    assert [trigger.tick() for _ in range(5)] == [True, False, False, False, False]
    today[0] = date(2026, 12, 6)
    assert trigger.tick() and not trigger.tick()
    assert queued == ["indicators.publish", "indicators.publish"]


def test_the_web_app_publishes_the_indicators_on_its_first_request_of_the_day(tmp_path):
    from tsunagu.webapp import create_app

    settings = _published_instance(tmp_path).replace(indicators_daily="on")
    app = create_app(settings)
    client = app.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/dashboard").status_code == 200
    app.extensions["tsunagu.jobs"].wait()  # the in-process worker ran the queued job
    catalogue = LocalCatalogue.from_settings(settings)
    assert len(catalogue.list_versions(DATASET_ID)) == 1
    assert published_day(settings) is not None
    off = create_app(_published_instance(tmp_path / "off"))
    assert off.test_client().get("/").status_code == 200
    assert "tsunagu.jobs" not in off.extensions  # off (the default): nothing queued
