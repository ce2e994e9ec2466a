"""Secrets that must never be shown, and the one function that hides them: ``redact``.

The secrets are the password of ``DATABASE_URL`` (as written, and percent-decoded: libpq
and dbt see it decoded) and the status page's token. They are registered as the settings
are read, before anything validates them, so that even the sentence saying a URL is
malformed cannot repeat its password. ``redact`` replaces every registered secret, and the
password of any ``scheme://user:password@`` it meets, with ``***``. Log records are
redacted as they are made (``install_log_redaction``), message, arguments and traceback
alike, so every handler, file or terminal, writes the redacted text.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any
from urllib.parse import unquote

MASK = "***"
_URL_PASSWORD = re.compile(r"(\w[\w+.-]*://[^:/@\s]*:)[^@\s]*@")
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Never show ``value`` again, in this process (empty values are no secret)."""
    if value:
        _secrets.add(value)


def password_of(url: str) -> str | None:
    """The password in a database URL, well formed or not: in what comes before the last
    ``@``, after the last ``/`` (whatever the scheme and its slashes look like), what
    follows the user's ``:``."""
    return _after_colon(url.rsplit("@", 1)[0].rsplit("/", 1)[-1]) if "@" in url else None


def register_database_url(url: str | None) -> None:
    """The URL's password as written and as decoded is secret; and, should the password hold
    an unencoded ``/``, what follows the user's ``:`` after the ``//`` as well."""
    if not url or "@" not in url:
        return
    user_info = url.rsplit("@", 1)[0]
    for password in {password_of(url), _after_colon(user_info.split("//", 1)[-1])}:
        register_secret(password)
        register_secret(unquote(password or ""))


def _after_colon(user_info: str) -> str | None:
    return user_info.split(":", 1)[1] if ":" in user_info else None


def redact(text: str) -> str:
    """``text`` with every secret, and any URL's password, replaced by ``***``.

    A secret is replaced where it stands on its own, not where it is part of a longer word
    or number: a short password must not turn every word that contains it into stars.
    """
    for secret in sorted(_secrets, key=len, reverse=True):
        text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])", MASK, text)
    return _URL_PASSWORD.sub(rf"\g<1>{MASK}@", text)


def redacted(value: Any) -> Any:
    """A JSON-like value (dicts, lists, strings) with every string redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redacted(item) for item in value]
    return value


def install_log_redaction() -> None:
    """Make every log record of this process redacted as it is created: its message merged
    with its arguments, and its traceback, so no handler can write a secret."""
    current = logging.getLogRecordFactory()
    if getattr(current, "redacts", False):
        return

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    make_record.redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_record)
