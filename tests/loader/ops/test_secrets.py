"""Secrets never leak, and DATABASE_URL means one thing to the loader, dlt and dbt alike.

No password in any output (stdout, logs/pipeline.log, logs/dbt/, audit rows, the status
JSON and page, settings' repr), for well-formed and malformed URLs; a percent-encoded
password authenticates all three against a PostgreSQL role that checks it; and libpq's
options (sslmode) reach all three.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from conftest import ADMIN_URL, TEST_PASSWORD, _admin, _postgres_or_skip, make_settings, query

from fake_stats import FakeStatsAPI
from loader.cli import main
from loader.database import DatabaseUnavailable, connect
from loader.ops.status import collect_status
from loader.ops.web import render_pulse
from loader.runs.dbt import invoke_dbt
from loader.runs.nightly import run_elt
from loader.runs.plan import SyncPlan
from loader.runs.steps import load_raw
from loader.settings import REPO_ROOT, Settings

FAST_API = {"NBA_REQUEST_DELAY": "0", "NBA_REQUEST_JITTER": "0", "NBA_BACKOFF_BASE": "0.01",
            "NBA_REQUEST_TIMEOUT": "5", "NBA_SEASON": "2024-25", "NBA_PLAY_BY_PLAY": "off"}
LOGS = REPO_ROOT / "logs"
#: Malformed DATABASE_URLs, each carrying this password somewhere.
MALFORMED_PASSWORD = "SeCrEt-malformed-123"
MALFORMED = [
    f"postgres//postgres:{MALFORMED_PASSWORD}@127.0.0.1:5432/nba",
    f"postgresql:/postgres:{MALFORMED_PASSWORD}@127.0.0.1/nba",
    f"postgresql://postgres:{MALFORMED_PASSWORD}@127.0.0.1:port/nba",
    f"postgresql://postgres:{MALFORMED_PASSWORD}@/nba",
    f"mysql://postgres:{MALFORMED_PASSWORD}@127.0.0.1/nba",
    f"postgresql://postgres:{MALFORMED_PASSWORD}@127.0.0.1:5432",
    f"postgresql://postgres:{MALFORMED_PASSWORD}@127.0.0.1:5432/nba?target_session_attrs=any",
]


class _Outputs:
    """What the logs hold from now on: logs/pipeline.log and every file under logs/dbt/."""

    def __init__(self) -> None:
        self._start = {path: path.stat().st_size for path in self._files()}

    @staticmethod
    def _files() -> list[Path]:
        return [LOGS / "pipeline.log", *(LOGS / "dbt").rglob("*")] if LOGS.exists() else []

    def new_text(self) -> str:
        return "".join(path.read_bytes()[self._start.get(path, 0):].decode(errors="replace")
                       for path in self._files() if path.is_file())


@pytest.mark.parametrize("url", MALFORMED)
def test_a_malformed_database_url_never_shows_its_password(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    outputs = _Outputs()
    for key, value in {"NBA_TARGET": "postgres", "DATABASE_URL": url, "NBA_STATS_BASE_URL": "http://127.0.0.1:9/stats",
                       **FAST_API}.items():
        monkeypatch.setenv(key, value)
    codes = [main(command) for command in (["elt"], ["preflight"], ["status"], ["status", "--json"],
                                           ["dbt", "debug"], ["backfill", "--from", "2023-24"])]
    printed = capsys.readouterr()
    assert codes == [2] * len(codes)
    assert "DATABASE_URL=" in printed.out and "***" in printed.out
    for place, text in [("stdout", printed.out + printed.err), ("logs", outputs.new_text()), ("caplog", caplog.text)]:
        assert MALFORMED_PASSWORD not in text, f"the password leaked into {place}"


@pytest.mark.parametrize("target", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_no_password_reaches_the_logs_the_audit_rows_the_status_or_the_page(
    database_env: dict[str, str], fake_api: FakeStatsAPI, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a DATABASE_URL with a password, a full run and a failing one (a database that does not exist)
    url = database_env["DATABASE_URL"]
    assert f":{TEST_PASSWORD}@" in url
    outputs = _Outputs()
    for key, value in {**database_env, **FAST_API, "NBA_STATS_BASE_URL": fake_api.base_url}.items():
        monkeypatch.setenv(key, value)
    assert main(["elt"]) == 0
    monkeypatch.setenv("DATABASE_URL", url.rsplit("/", 1)[0] + "/no_such_database")
    assert main(["preflight"]) != 0
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["status"]) == 0
    assert main(["status", "--json"]) == 0

    settings = Settings.from_env()
    audit_rows = query(settings, "select * from audit.pipeline_audit")
    status = collect_status(settings)
    printed = capsys.readouterr()
    # THEN the password shows nowhere, while the redacted URL does
    assert "postgres:***@" in printed.out + json.dumps(status)
    for place, text in [("logs", outputs.new_text()), ("caplog", caplog.text), ("stdout", printed.out + printed.err),
                        ("audit rows", repr(audit_rows)), ("status", json.dumps(status)),
                        ("page", render_pulse(status)), ("settings", repr(settings))]:
        assert TEST_PASSWORD not in text, f"the password leaked into {place}"


#: A password with every character a URL must encode, and its encoding.
HARD_PASSWORD = "p@ss/w#rd%:x?y&z"
ENCODED_PASSWORD = "p%40ss%2Fw%23rd%25%3Ax%3Fy%26z"


@pytest.fixture
def password_role(target: str) -> Iterator[str]:
    """A role and a database of its own that PostgreSQL reaches over loopback only with the
    role's password (a scram-sha-256 line put first in pg_hba.conf, taken out afterwards);
    yields the database's URL, its password percent-encoded."""
    if target != "postgres":
        pytest.skip("PostgreSQL only")
    _postgres_or_skip()
    suffix = uuid.uuid4().hex[:10]
    role, database = f"nba_elt_role_{suffix}", f"nba_elt_pw_{suffix}"
    connection = psycopg2.connect(ADMIN_URL)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("show hba_file")
        hba = Path(cursor.fetchone()[0])
    if not os.access(hba, os.W_OK):
        reason = f"{hba} is not writable here: the password test needs a pg_hba.conf line of its own"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    original = hba.read_text()
    _admin(f"create role {role} login password '{HARD_PASSWORD}'")
    _admin(f"create database {database} owner {role}")
    hba.write_text(f"host {database} {role} 127.0.0.1/32 scram-sha-256\n" + original)
    _admin("select pg_reload_conf()")
    try:
        yield f"postgresql://{role}:{ENCODED_PASSWORD}@127.0.0.1:5432/{database}"
    finally:
        hba.write_text(original)
        _admin("select pg_reload_conf()")
        _admin(f"drop database if exists {database} with (force)")
        _admin(f"drop role if exists {role}")
        connection.close()


@pytest.mark.parametrize("target", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_a_percent_encoded_password_authenticates_the_loader_dlt_and_dbt(
    password_role: str, fake_api: FakeStatsAPI
) -> None:
    settings = make_settings({"NBA_TARGET": "postgres", "DATABASE_URL": password_role}, fake_api)
    assert settings.postgres is not None and settings.postgres.password == HARD_PASSWORD
    # the loader's connections, dlt's load and dbt's build and audits all log in with it
    summary = run_elt(settings, today=fake_api.now)
    assert summary.status == "success" and summary.audits is not None and not summary.failed_audits
    assert query(settings, "select count(*) from nba.matches where is_completed")[0][0] > 0
    # and the server checks it: a wrong one is refused
    wrong = make_settings({"NBA_TARGET": "postgres", "DATABASE_URL": password_role.replace("%26z", "%26q")}, fake_api)
    with pytest.raises(DatabaseUnavailable, match="password authentication failed"):
        with connect(wrong):
            pass


@pytest.mark.parametrize("target", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_sslmode_require_reaches_the_loader_dlt_and_dbt_alike(
    database_env: dict[str, str], fake_api: FakeStatsAPI
) -> None:
    # GIVEN this server, which has no SSL, and a DATABASE_URL that requires it
    settings = make_settings({**database_env, "DATABASE_URL": database_env["DATABASE_URL"] + "?sslmode=require"},
                             fake_api)
    refusal = "server does not support SSL, but SSL was required"
    # THEN the loader refuses in one sentence, and so do dlt and dbt, given the same settings
    with pytest.raises(DatabaseUnavailable, match=refusal) as loader_error:
        with connect(settings):
            pass
    assert "\n" not in str(loader_error.value)
    with pytest.raises(Exception, match=refusal):
        load_raw(settings, [SyncPlan("2024-25", [], None)])
    outputs = _Outputs()
    assert not invoke_dbt(settings, ["debug"]).success
    assert refusal in outputs.new_text()
