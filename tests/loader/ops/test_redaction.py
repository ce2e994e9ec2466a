"""The one rule that hides secrets: registered passwords (as written and decoded) and any URL's
password, in plain text and in log records of every kind."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

import loader.ops.redaction
from loader.ops.redaction import install_log_redaction, password_of, redact, redacted, register_database_url

#: Well-formed and malformed database URLs, each with the password SeCrEt123 somewhere.
URLS = [
    "postgresql://etl:SeCrEt123@db.example:5432/nba",
    "postgres//postgres:SeCrEt123@127.0.0.1:5432/nba",
    "postgresql:/postgres:SeCrEt123@127.0.0.1/nba",
    "postgresql://postgres:SeCrEt123@127.0.0.1:port/nba",
    "postgresql://postgres:SeCrEt123@/nba",
    "mysql://postgres:SeCrEt123@127.0.0.1/nba",
    "postgresql://postgres:SeCrEt123@127.0.0.1:5432",
    "postgres:SeCrEt123@127.0.0.1/nba",
]


@pytest.fixture(autouse=True)
def _secrets_forgotten_after_each_test(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The secrets these tests register ("ci", "half/other") are words a later test in the same
    worker could print (a checkout in /work/ci-clone): each test's secrets end with it."""
    monkeypatch.setattr(loader.ops.redaction, "_secrets", set(loader.ops.redaction._secrets))
    yield


@pytest.mark.parametrize("url", URLS)
def test_the_password_of_any_database_url_well_formed_or_not_is_found(url: str) -> None:
    assert password_of(url) == "SeCrEt123"


def test_a_registered_password_is_hidden_as_written_and_percent_decoded() -> None:
    register_database_url("postgresql://etl:p%40ss%2Fw0rd%23x@db:5432/nba")
    text = "auth failed for p%40ss%2Fw0rd%23x, that is p@ss/w0rd#x"
    assert redact(text) == "auth failed for ***, that is ***"


def test_a_password_holding_an_unencoded_slash_is_hidden_whole() -> None:
    register_database_url("postgresql://etl:half/other@db:5432/nba")
    assert redact("password half/other") == "password ***"


def test_a_short_password_is_hidden_where_it_stands_alone_not_inside_other_words() -> None:
    register_database_url("postgresql://etl:ci@db:5432/nba")
    assert redact("reconciling with password ci (ci)") == "reconciling with password *** (***)"


def test_any_url_password_is_hidden_and_json_values_too() -> None:
    assert redact("could not reach postgresql://u:hunter2@h/db") == "could not reach postgresql://u:***@h/db"
    assert redacted({"a": ["x postgres://u:pw@h/d", 3], "b": None}) == {"a": ["x postgres://u:***@h/d", 3], "b": None}


def test_log_records_are_redacted_in_their_message_arguments_and_traceback(caplog: pytest.LogCaptureFixture) -> None:
    register_database_url(URLS[1])
    install_log_redaction()
    logger = logging.getLogger("loader.tests.redaction")
    with caplog.at_level(logging.INFO):
        logger.info("DATABASE_URL=%r is malformed", URLS[1])
        try:
            raise ValueError(f"cannot parse {URLS[1]}")
        except ValueError:
            logger.exception("failed")
    formatted = "\n".join(logging.Formatter().format(record) for record in caplog.records)
    assert "SeCrEt123" not in caplog.text + formatted
    assert "postgres//postgres:***@127.0.0.1:5432/nba" in formatted and "ValueError: cannot parse" in formatted
