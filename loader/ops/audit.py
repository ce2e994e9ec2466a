"""The flight recorder: ``audit.pipeline_audit``, one row per run step or audit check.

Every run writes its start, each step and its end here, so that "was last night's data
fresh and whole?" is a query, not a hunt through logs. Rows are written on their own
short-lived connection and committed at once: a run that crashes later still leaves them.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from loader.database import Database, DatabaseUnavailable, connect
from loader.ops.redaction import redact
from loader.settings import DBT_PROJECT_DIR, Settings

logger = logging.getLogger(__name__)

#: A run's steps in the order they happen; ``audit`` is the ``dbt test`` invocation, whose
#: tests each leave an ``audit_check`` row.
STEPS = ("run", "preflight", "extract_load", "play_by_play", "transform", "audit", "audit_check")
STATUSES = ("running", "success", "warn", "fail", "error", "skipped")

#: The table's one definition is the dbt macro that the on-run-end hook runs
#: (dbt_project/macros/audit_table.sql); the loader runs the same text.
_AUDIT_TABLE_MACRO = DBT_PROJECT_DIR / "macros" / "audit_table.sql"
_MACRO_BODY = re.compile(r"\{% macro create_audit_table\(\) -%\}(.*?)\{%- endmacro %\}", re.S)


def _create_audit_table() -> str:
    found = _MACRO_BODY.search(_AUDIT_TABLE_MACRO.read_text())
    if found is None:
        raise RuntimeError(f"{_AUDIT_TABLE_MACRO} no longer holds the macro create_audit_table()")
    return found.group(1).strip()


CREATE_AUDIT_TABLE = _create_audit_table()


def utc_now() -> datetime:
    """Naive UTC: both targets store ``timestamp`` without a zone, always in UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def ensure_audit_table(database: Database) -> None:
    database.execute("create schema if not exists audit")
    database.execute(CREATE_AUDIT_TABLE)


@dataclass
class AuditEvent:
    """One row of ``pipeline_audit``; ``Recorder.finish`` closes it."""

    run_id: str
    step: str
    name: str
    status: str = "running"
    started_at: datetime = field(default_factory=utc_now)
    finished_at: datetime | None = None
    rows_per_table: dict[str, int] | None = None
    api_requests: int | None = None
    failures: int | None = None
    load_id: str | None = None
    message: str | None = None
    error_traceback: str | None = None
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))


class Recorder:
    """Writes a run's audit rows, each as soon as it is known."""

    def __init__(self, settings: Settings, run_id: str | None = None) -> None:
        self.settings = settings
        self.run_id = run_id or str(uuid.uuid4())
        self.events: list[AuditEvent] = []

    def start(self, step: str, name: str, message: str | None = None) -> AuditEvent:
        event = AuditEvent(self.run_id, step, name, message=message)
        self.events.append(event)
        self._write(event)
        return event

    def finish(
        self,
        event: AuditEvent,
        status: str,
        message: str | None = None,
        error: BaseException | None = None,
        **fields: Any,
    ) -> AuditEvent:
        event.status = status
        event.finished_at = utc_now()
        event.message = redact(message) if message else event.message
        if error is not None:
            event.error_traceback = redact("".join(traceback.format_exception(error)))
        for key, value in fields.items():
            setattr(event, key, value)
        self._write(event)
        return event

    def record(self, step: str, name: str, status: str, **fields: Any) -> AuditEvent:
        """A step that is over as soon as it starts: an audit check, a skipped run."""
        return self.finish(AuditEvent(self.run_id, step, name), status, **fields)

    def _write(self, event: AuditEvent) -> None:
        """Upsert the row; a flight recorder that cannot write must not crash the flight.

        A DuckDB file held by a run in progress (this run stepped aside for it) takes no row
        from another process: the row waits beside the file for the next run to record.
        """
        try:
            with connect(self.settings) as database:
                _upsert(database, event)
        except DatabaseUnavailable as error:
            if self.settings.target == "duckdb" and "lock" in str(error).lower():
                with set_aside_path(self.settings).open("a") as waiting:
                    waiting.write(json.dumps(dataclasses.asdict(event), default=str) + "\n")
                logger.warning("the %s row %s waits in %s: a run in progress holds the database file",
                               event.step, event.name, set_aside_path(self.settings))
            else:
                logger.error("could not write the audit row %s/%s: %s", event.step, event.name, error)
        except Exception as error:  # noqa: BLE001 - reported, never raised
            logger.error("could not write the audit row %s/%s: %s", event.step, event.name, error)


def set_aside_path(settings: Settings) -> Path:
    """Where rows wait that a DuckDB file held by another run could not take."""
    return settings.duckdb_path.with_name(settings.duckdb_path.name + ".audit-rows-waiting.jsonl")


def record_set_aside_rows(settings: Settings) -> None:
    """Record the rows that waited beside the DuckDB file (see Recorder._write): called by a
    run that holds the file, so that a run which stepped aside leaves its ``skipped`` row."""
    waiting = set_aside_path(settings)
    if settings.target != "duckdb" or not waiting.exists():
        return
    with connect(settings) as database:
        for line in waiting.read_text().splitlines():
            fields = json.loads(line)
            for moment in ("started_at", "finished_at"):
                fields[moment] = datetime.fromisoformat(fields[moment]) if fields[moment] else None
            _upsert(database, AuditEvent(**fields))
    waiting.unlink()


def _upsert(database: Database, event: AuditEvent) -> None:
    ensure_audit_table(database)
    database.execute("delete from audit.pipeline_audit where event_id = %s", (event.event_id,))
    database.execute(
        "insert into audit.pipeline_audit (event_id, run_id, step, name, status, started_at, "
        "finished_at, rows_per_table, api_requests, failures, load_id, message, error_traceback) "
        "values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            event.event_id, event.run_id, event.step, event.name, event.status,
            event.started_at, event.finished_at,
            json.dumps(event.rows_per_table, sort_keys=True) if event.rows_per_table is not None else None,
            event.api_requests, event.failures, event.load_id, event.message, event.error_traceback,
        ),
    )
