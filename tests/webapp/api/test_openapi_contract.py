"""The API contract is kept: schemathesis, every check, against the app as it is shipped.

The sample datasets are published with the CLI into a fresh data folder and served by
``gunicorn -c gunicorn.conf.py tsunagu.wsgi:app``; schemathesis reads the server's own
``/api/openapi.json`` and runs what ``st run --checks all`` runs (examples, coverage, fuzzing
and stateful phases, every check) on every operation. A failure names the operation, the check
and a curl command that reproduces it, so a mismatch between the document and the server is
fixed on whichever side is wrong instead of being guessed at.

The run is seeded and bounded (``max-examples``) so it is reproducible and ends in minutes; it
sits in the integration tier (``make test-integration``), not in ``make test``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import from_schema
from schemathesis.engine.events import EngineFinished, NonFatalError, ScenarioFinished

from tests.servers import running, wait_for_log

pytestmark = pytest.mark.contract

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
LISTENING = r"Listening at: http://127\.0\.0\.1:(\d+)"

# What `st run --checks all --max-examples 25 --seed 16` would read from schemathesis.toml.
# A check is switched off for one operation only where the document cannot say what the
# server rightly does; each exclusion says why.
CONFIG = """
seed = 16
workers = 1
request-timeout = 20.0
suppress-health-check = ["too_slow", "filter_too_much", "data_too_large"]
generation.max-examples = 25
generation.deterministic = true
checks.enabled = true

[[operations]]
# Which `sort` fields and `field=value` filters exist depends on the dataset's columns, which
# no schema shared by every dataset can list: a well-formed name the data lacks is a
# documented 400 (`parameter-invalid` / `parameter-unknown`), not a valid request refused.
include-operation-id = ["getRows", "getRowsCsv"]
checks.positive_data_acceptance.enabled = false

[[operations]]
# A bbox's west must not be east of its east, nor its south north of its north: a relation
# between the numbers of one parameter that its schema (a pattern, or an array of four)
# cannot state; such a box is a documented 400 (parameter-invalid).
include-operation-id = ["getFeatures", "ogcItems"]
checks.positive_data_acceptance.enabled = false

[[operations]]
# One path serves ten CKAN actions, and the query string lists the parameters of all of them:
# which are required, and which values are valid, depends on the action (CKAN answers a
# missing `id` with its 409, a parameter another action reads is ignored, as CKAN does).
include-operation-id-regex = "^ckanAction"
checks.positive_data_acceptance.enabled = false
checks.negative_data_rejection.enabled = false

[[operations]]
# `from` after `to` is a documented 400 (bad-period): a relation between two parameters that
# JSON Schema cannot express for query parameters.
include-operation-id = ["indicators", "indicatorsCsv"]
checks.positive_data_acceptance.enabled = false
"""


def _publish_samples(work: Path) -> None:
    """``tsunagu --data-dir instance publish datasets/`` in a copy of the shipped samples;
    exit 1 is the documented sample that is blocked on purpose."""
    shutil.copytree(ROOT / "datasets", work / "datasets")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSUNAGU_")}
    done = subprocess.run(  # our own CLI, fixed arguments
        [BIN / "tsunagu", "--data-dir", "instance", "publish", "datasets"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The shipped gunicorn configuration serving the published samples; yields its URL.

    The per-client rate limit is raised (``TSUNAGU_API_RATE``, a documented setting): every
    request comes from one address, and a run of 429s would test the limiter, not the contract.
    """
    work = tmp_path_factory.mktemp("contract")
    _publish_samples(work)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TSUNAGU_", "GUNICORN_"))},
        "TSUNAGU_DATA_DIR": str(work / "instance"),
        "TSUNAGU_API_RATE": "1000000/minute",
        "GUNICORN_BIND": "127.0.0.1:0",
        "WEB_CONCURRENCY": "2",
    }
    command = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "tsunagu.wsgi:app"]
    log = work / "gunicorn.log"
    with running(command, log, cwd=ROOT, env=env, stop_timeout=45) as process:
        port = int(wait_for_log(process, log, LISTENING)[1])
        wait_for_log(process, log, "Booting worker")
        yield f"http://127.0.0.1:{port}"


#: Checks that must have judged some response: a run that silently checked less (a config
#: typo, a schemathesis upgrade renaming a check) must not pass as a kept contract.
EXPECTED_CHECKS = {
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "unsupported_method",
}


def _run(url: str) -> tuple[list[str], set[str], set[str]]:
    """Every failed check and every error of the run (one paragraph each), the names of the
    checks that ran and the operations tested."""
    config = SchemathesisConfig.from_str(CONFIG)
    schema = schemathesis.openapi.from_url(f"{url}/api/openapi.json", config=config)
    found: list[str] = []
    ran: set[str] = set()
    tested: set[str] = set()
    for event in from_schema(schema).execute():
        if isinstance(event, ScenarioFinished):
            tested.add(event.recorder.label)
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    ran.add(check.name)
                    if check.failure_info is None:
                        continue
                    failure = check.failure_info.failure
                    case = event.recorder.cases[case_id].value
                    found.append(
                        f"{event.recorder.label} [{event.phase}] {check.name}: {failure.title}"
                        f"\n    {failure.message.strip()[:400]}"
                        f"\n    {case.as_curl_command()[:600]}"
                    )
        elif isinstance(event, NonFatalError):
            found.append(f"{event.label} [{event.phase}] error: {event.value!r}"[:600])
        elif isinstance(event, EngineFinished):
            found.extend(f"after run: {f.title}: {f.message}"[:600] for f in event.failures)
    # One failure can be recorded by several scenarios; each is reported once.
    return list(dict.fromkeys(found)), ran, tested


def test_every_operation_keeps_the_documented_contract(served):
    failures, ran, tested = _run(served)
    assert not failures, f"{len(failures)} contract failures:\n" + "\n".join(failures)
    assert ran >= EXPECTED_CHECKS, EXPECTED_CHECKS - ran
    documented = requests.get(f"{served}/api/openapi.json", timeout=10).json()["paths"]
    operations = {f"{m.upper()} {p}" for p, item in documented.items() for m in item}
    # schemathesis never fuzzes the document it was loaded from (test_openapi.py checks it).
    assert operations - tested == {"GET /api/openapi.json"}
