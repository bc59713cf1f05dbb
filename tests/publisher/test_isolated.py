"""Two publishes of one dataset never mix: real processes, one lock and one private folder each.

Two ``tsunagu publish`` processes start at the same moment on the same data dir, each with its
own manifest for the same dataset id (a different title and a different first facility). The
old code shared ``work/<id>/`` and locked only the catalogue write: one run crashed and the other
published the loser's files under its own title. Now one run waits for the other: two versions,
each with its own manifest's title and files, and no work files left behind.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tsunagu.catalogue.local import LocalCatalogue
from tsunagu.config import PROJECT_ROOT

AED = PROJECT_ROOT / "datasets/kashiwa/kenko/aed-installations"
CSV_NAME = "AED設置場所一覧.csv"
FIRST_FACILITY = "柏市役所本庁舎"


def variant(root: Path, marker: str) -> Path:
    """A copy of the AED dataset whose title and first facility name carry ``marker``."""
    folder = root / marker
    folder.mkdir(parents=True)
    manifest = (AED / "dataset.yaml").read_text(encoding="utf-8")
    manifest = manifest.replace("ja: AED設置場所一覧", f"ja: AED設置場所一覧{marker}", 1)
    (folder / "dataset.yaml").write_text(manifest, encoding="utf-8")
    text = (AED / CSV_NAME).read_bytes().decode("cp932")
    assert FIRST_FACILITY in text
    (folder / CSV_NAME).write_bytes(text.replace(FIRST_FACILITY, f"{marker}館", 1).encode("cp932"))
    return folder


def publish(instance: Path, folder: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tsunagu", "--data-dir", str(instance), "--lang", "en",
         "publish", str(folder)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


def test_two_processes_publishing_one_dataset_never_mix(tmp_path):
    instance = tmp_path / "instance"
    a, b = variant(tmp_path, "甲"), variant(tmp_path, "乙")
    runs = [publish(instance, a), publish(instance, b)]
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, out + err
        assert "Traceback" not in err
    results = sorted("created" if "created" in out else "updated" for out, _ in outputs)
    assert results == ["created", "updated"]  # both outcomes clear, none lost

    catalogue = LocalCatalogue.from_settings(_settings(instance))
    versions = {v.number: v for v in catalogue.list_versions("kashiwa-aed-installations")}
    assert sorted(versions) == [1, 2]
    markers = {}
    for number in (1, 2):
        path, _ = catalogue.open_file("kashiwa-aed-installations", "csv", version=number)
        text = path.read_text(encoding="utf-8")
        found = [m for m in ("甲", "乙") if f"{m}館" in text]
        assert len(found) == 1, f"version {number} holds files of {found}"
        markers[number] = found[0]
        package, _ = catalogue.open_file("kashiwa-aed-installations", "datapackage", version=number)
        assert f"AED設置場所一覧{found[0]}" in package.read_text(encoding="utf-8")
    assert set(markers.values()) == {"甲", "乙"}  # each run published its own files
    latest = catalogue.get_dataset("kashiwa-aed-installations")
    assert latest.meta.title_ja == f"AED設置場所一覧{markers[2]}"  # title and files agree

    audit = [json.loads(line) for line in (instance / "audit.jsonl").read_text().splitlines()]
    published = [e for e in audit if e["action"] == "publish"]
    assert sorted(e["version"] for e in published) == [1, 2]
    for entry in published:
        assert entry["checksums"] == versions[entry["version"]].checksums
    assert list((instance / "work").iterdir()) == []  # private folders gone with their runs
    assert list((instance / "audit-journal").iterdir()) == []


def _settings(instance: Path):
    from tsunagu.config import load_settings

    return load_settings({"data_dir": instance})


def test_a_run_killed_outright_leaves_files_the_next_start_removes(tmp_path):
    """``kill -9`` in the middle of a run: its private folder and half-copied blob stay behind;
    the next ``publish`` removes them (their owners' locks died with the process) and publishes."""
    import os
    import signal
    import time

    instance = tmp_path / "instance"
    run = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\n"
         "from tsunagu.publisher import publish as p\n"
         "real = p.publish_dataset\n"
         "def stall(*a, **k):\n"
         "    print('converted', flush=True); time.sleep(600)\n"
         "p.publish_dataset = stall\n"
         "import tsunagu.publisher.isolated as i; i.publish_dataset = stall\n"
         "from tsunagu.cli import main\n"
         f"sys.argv = ['tsunagu', '--data-dir', {str(instance)!r}, 'publish', {str(AED)!r}]\n"
         "main()\n"],
        stdout=subprocess.PIPE, text=True, env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert run.stdout.readline().strip() == "converted"
    os.kill(run.pid, signal.SIGKILL)
    run.wait(timeout=30)
    left = list((instance / "work").iterdir())
    assert len(left) == 1 and left[0].name.startswith(".run-")  # the killed run's folder
    orphan = instance / "storage" / "ab" / ".incoming-killed"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"half a file")
    old = time.time() - 60
    for path in (orphan, left[0], left[0] / ".owner"):
        os.utime(path, (old, old))

    done = subprocess.run(
        [sys.executable, "-m", "tsunagu", "--data-dir", str(instance), "--lang", "en",
         "publish", str(AED)],
        capture_output=True, text=True, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "created" in done.stdout
    assert list((instance / "work").iterdir()) == []
    assert not orphan.exists()


def test_a_live_runs_files_are_kept_by_the_sweep(tmp_path):
    """The sweep runs while other runs work: a folder whose owner lives is never touched."""
    from tsunagu.publisher.workspace import run_folder, sweep_stale

    with run_folder(tmp_path, "kashiwa-aed") as folder:
        (folder / "x.csv").write_text("a\n")
        import os
        import time

        old = time.time() - 3600
        os.utime(folder, (old, old))
        os.utime(folder / ".owner", (old, old))
        assert sweep_stale(tmp_path) == []
        assert (folder / "x.csv").exists()
    assert not folder.exists()


def convert(instance: Path, folder: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tsunagu", "--data-dir", str(instance), "--lang", "en",
         "convert", str(folder), "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


def test_two_converts_of_one_dataset_never_mix_and_a_failed_rerun_leaves_no_stale_outputs(
    tmp_path,
):
    """Two ``tsunagu convert`` processes into one OUT (the old code wrote both into
    ``OUT/<id>/`` file by file): OUT ends with one run's files, all of them; then an invalid
    re-run replaces the folder whole, so no CSV of the earlier valid run sits beside its report."""
    instance, out = tmp_path / "instance", tmp_path / "out"
    a, b = variant(tmp_path, "甲"), variant(tmp_path, "乙")
    runs = [convert(instance, a, out), convert(instance, b, out)]
    for run in runs:
        stdout, stderr = run.communicate(timeout=300)
        assert run.returncode == 0, stdout + stderr
    folder = out / "kashiwa-aed-installations"
    csv = (folder / "kashiwa-aed-installations.csv").read_text(encoding="utf-8")
    found = [m for m in ("甲", "乙") if f"{m}館" in csv]
    assert len(found) == 1
    package = (folder / "datapackage.json").read_text(encoding="utf-8")
    assert f"AED設置場所一覧{found[0]}" in package  # title and files from the same run
    assert [p.name for p in out.iterdir()] == ["kashiwa-aed-installations"]  # nothing staged
    assert list((instance / "work").iterdir()) == []

    (a / CSV_NAME).write_bytes(b"\x00" * 64)  # unreadable now
    done = convert(instance, a, out)
    stdout, stderr = done.communicate(timeout=300)
    assert done.returncode == 2, stdout + stderr
    assert "Traceback" not in stderr
    assert (folder / "report.json").exists()
    assert not (folder / "kashiwa-aed-installations.csv").exists()


def test_publish_writes_no_annotated_xlsx_into_the_folder_it_removes(tmp_path):
    """The CLI publish's run folder goes when the run ends, so the slowest report (the
    annotated .xlsx, minutes at 1M rows) is not written there; the JSON and HTML reports are
    (they are published)."""
    from tsunagu.manifest import load_manifest
    from tsunagu.publisher.batch import plan_jobs
    from tsunagu.publisher.context import RunContext
    from tsunagu.publisher.isolated import publish_isolated

    settings = _settings(tmp_path / "instance")
    sample = PROJECT_ROOT / "datasets" / "kashiwa" / "kenko" / "aed-installations"
    jobs = list(plan_jobs(sample))
    catalogue = LocalCatalogue.from_settings(settings)
    outcomes, outcome = publish_isolated(
        jobs, RunContext(settings=settings), catalogue, standard_title="AED", audit=None
    )
    assert outcome is not None and outcome.result is not None
    artifacts = outcomes[0].draft.artifacts
    assert "report-json" in artifacts and "report-html" in artifacts
    assert "report-xlsx" not in artifacts
    record = catalogue.get_dataset(load_manifest(sample / "dataset.yaml").id)
    assert {"csv", "report-json", "report-html"} <= {r.key for r in record.resources}
