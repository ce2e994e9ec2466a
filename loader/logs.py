"""Logging for the command line: one format, to stdout and ``logs/pipeline.log``.

Configured once, at the entry point; modules only ever call ``logging.getLogger``.
Every line carries the run id, so a night's lines can be pulled out of a shared log, and
no line carries a secret: records are redacted as they are made (loader.redaction).
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from loader.redaction import install_log_redaction
from loader.settings import REPO_ROOT

LOG_FORMAT = "%(asctime)s %(levelname)-7s run=%(run_id)s %(name)s: %(message)s"
_run_id = "-"


class _RunContext(logging.Filter):
    """Stamps the run id on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.run_id = _run_id
        return True


def set_run_id(run_id: str) -> None:
    global _run_id
    _run_id = run_id


def configure_logging(level: int = logging.INFO, log_dir: Path = REPO_ROOT / "logs") -> None:
    install_log_redaction()
    log_dir.mkdir(parents=True, exist_ok=True)
    formatter = logging.Formatter(LOG_FORMAT)
    context = _RunContext()
    handlers: list[logging.Handler] = [
        logging.StreamHandler(sys.stdout),
        logging.handlers.RotatingFileHandler(log_dir / "pipeline.log", maxBytes=5_000_000, backupCount=5),
    ]
    root = logging.getLogger()
    root.setLevel(level)
    for handler in [h for h in root.handlers if getattr(h, "nba_elt", False)]:
        root.removeHandler(handler)  # configured again (tests call main() many times)
        handler.close()
    for handler in handlers:
        handler.nba_elt = True  # type: ignore[attr-defined]
        handler.setFormatter(formatter)
        handler.addFilter(context)
        root.addHandler(handler)
