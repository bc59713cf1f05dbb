"""``tsunagu token``: the token is printed once, stored hashed, listed never, revoked at once."""

from __future__ import annotations

import hashlib

import pytest
from click.testing import CliRunner

from tsunagu.cli import cli
from tsunagu.config import load_settings
from tsunagu.services.tokens import TokenStore


@pytest.fixture
def instance(tmp_path):
    return tmp_path / "instance"


@pytest.fixture
def run(instance):
    runner = CliRunner(env={"COLUMNS": "250"})

    def _run(*args: str, lang: str = "en"):
        return runner.invoke(
            cli, ["--data-dir", str(instance), "--lang", lang, *args], catch_exceptions=False
        )

    return _run


def _store(instance) -> TokenStore:
    instance.mkdir(parents=True, exist_ok=True)
    return TokenStore(load_settings({"data_dir": instance}, env={}).database)


def test_create_prints_a_working_token_once(run, instance):
    result = run("token", "create", "kenko", "--note", "担当A")
    assert result.exit_code == 0
    token = result.stdout.strip()
    assert len(token.splitlines()) == 1
    assert len(token) >= 43
    assert "will not be shown again" in result.stderr
    record = _store(instance).verify(token)
    assert record is not None
    assert (record.department, record.note) == ("kenko", "担当A")
    assert f"id={record.id}" in result.stderr


def test_list_shows_ids_and_departments_never_tokens(run, instance):
    token = run("token", "create", "kenko").stdout.strip()
    run("token", "create", "shimin")
    result = run("token", "list")
    assert result.exit_code == 0
    assert token not in result.output
    assert hashlib.sha256(token.encode()).hexdigest() not in result.output
    assert "kenko" in result.output
    assert "shimin" in result.output
    for record in _store(instance).list():
        assert record.id in result.output


def test_revoke_by_id_then_by_department(run, instance):
    first = run("token", "create", "kenko").stdout.strip()
    second = run("token", "create", "kenko").stdout.strip()
    store = _store(instance)
    first_id = store.verify(first).id
    assert run("token", "revoke", first_id).exit_code == 0
    assert store.verify(first) is None
    assert store.verify(second) is not None
    result = run("token", "revoke", "kenko")
    assert result.exit_code == 0
    assert "revoked 1" in result.output
    assert store.verify(second) is None
    assert run("token", "revoke", "kenko").exit_code == 1
    listed = run("token", "list").output
    assert listed.count("kenko") == 2
    assert "-" not in [
        line.split("│")[4].strip() for line in listed.splitlines() if "kenko" in line
    ]


def test_unknown_department_is_allowed_with_a_note(run):
    result = run("token", "create", "gomi-taisaku", lang="ja")
    assert result.exit_code == 0
    assert "municipality.yaml の部署にありません" in result.stderr


def test_department_must_be_a_slug(run, instance):
    result = run("token", "create", "../健康")
    assert result.exit_code == 2
    assert "a-z, 0-9" in result.output
    assert _store(instance).list() == []


def test_token_commands_run_as_a_child_process_refuse_a_trailing_newline(tmp_path):
    """The user's path (``tsunagu token create`` in a shell): "kenko\\n" is not a slug (issue 16:
    ``$`` accepted a trailing newline), and creation and revocation land in the audit log."""
    import json
    import subprocess
    import sys

    instance = tmp_path / "instance"
    base = [sys.executable, "-m", "tsunagu", "--data-dir", str(instance), "--lang", "en"]
    bad = subprocess.run([*base, "token", "create", "kenko\n"], capture_output=True, text=True)
    assert bad.returncode == 2, bad.stderr
    assert "a-z, 0-9" in bad.stderr
    good = subprocess.run([*base, "token", "create", "kenko"], capture_output=True, text=True)
    assert good.returncode == 0, good.stderr
    token_id = good.stdout.strip().partition(".")[0]
    revoked = subprocess.run([*base, "token", "revoke", token_id], capture_output=True, text=True)
    assert revoked.returncode == 0, revoked.stderr
    audit = [json.loads(line) for line in (instance / "audit.jsonl").read_text().splitlines()]
    assert [(a["action"], a.get("token_id") or a.get("target")) for a in audit] == [
        ("token-created", token_id),
        ("token-revoked", token_id),
    ]
    assert good.stdout.strip() not in (instance / "audit.jsonl").read_text()  # never the token
