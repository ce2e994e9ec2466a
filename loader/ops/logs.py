"""Logging for the command line: one format, to stdout and ``logs/pipeline.log``.

Configured once, at the entry point; modules only ever call ``logging.getLogger``.
Every line carries the run id, so a night's lines can be pulled out of a shared log, and
no line carries a secret: records are redacted as they are made (loader.ops.redaction).
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from loader.ops.redaction import install_log_redaction
from loader.settings import REPO_ROOT

LOG_FORMAT = "%(asctime)s %(levelname)-7s run=%(run_id)s %(name)s: %(message)s"
#: Where every line goes too, with the tracebacks the terminal is spared.
LOG_FILE = REPO_ROOT / "logs" / "pipeline.log"
_run_id = "-"


class _RunContext(logging.Filter):
    """Stamps the run id on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.run_id = _run_id
        return True


def set_run_id(run_id: str) -> None:
    global _run_id
    _run_id = run_id


def configure_logging(level: int = logging.INFO, log_file: Path = LOG_FILE) -> None:
    """``level`` and above to stdout and the file; the loader's debug lines (tracebacks of
    failures the terminal reads in one sentence) to the file only."""
    install_log_redaction()
    log_file.parent.mkdir(parents=True, exist_ok=True)
    formatter = logging.Formatter(LOG_FORMAT)
    context = _RunContext()
    terminal = logging.StreamHandler(sys.stdout)
    terminal.setLevel(level)
    handlers: list[logging.Handler] = [
        terminal, logging.handlers.RotatingFileHandler(log_file, maxBytes=5_000_000, backupCount=5),
    ]
    root = logging.getLogger()
    root.setLevel(level)
    logging.getLogger("loader").setLevel(min(level, logging.DEBUG))
    for handler in [h for h in root.handlers if getattr(h, "nba_elt", False)]:
        root.removeHandler(handler)  # configured again (tests call main() many times)
        handler.close()
    for handler in handlers:
        handler.nba_elt = True  # type: ignore[attr-defined]
        handler.setFormatter(formatter)
        handler.addFilter(context)
        root.addHandler(handler)
