"""The state of the system at a glance, read from the flight recorder and the marts.

``collect_status`` is the one source of ``nba-elt status``, ``GET /api/v1/system/status``
and the Pulse page, so the three always agree. It only reads: DuckDB is opened read-only,
PostgreSQL in a read-only session.
"""

from __future__ import annotations

import bisect
import functools
import json
import os
import re
import socket
from datetime import UTC, date, datetime, timedelta
from typing import Any

import yaml

from loader.database import Database, DatabaseUnavailable, connect
from loader.ops.audit import utc_now
from loader.ops.redaction import redacted
from loader.settings import DBT_PROJECT_DIR, Settings, marts

RECENT_RUNS = 10
#: How many runs the Pulse's history charts show.
HISTORY_RUNS = 30
#: The steps of a run that the timeline and the history show, in their order.
TIMED_STEPS = ("preflight", "extract_load", "play_by_play", "transform", "audit")
#: A run still "running" after this long is taken for dead whatever its pid says.
ABANDONED_AFTER = timedelta(hours=6)
#: During the season a nightly job that has not synced for longer than this is stale.
STALE_AFTER = timedelta(days=1)
#: The statuses of a check or run that failed.
FAILING = ("fail", "error")
#: Worst first: the order in which audit checks are listed.
STATUS_RANK = {"error": 0, "fail": 1, "abandoned": 2, "warn": 3, "running": 4, "skipped": 5, "success": 6}

#: Where the sources and their freshness rule are declared (dbt's, read by the status too).
SOURCES_YML = DBT_PROJECT_DIR / "models" / "staging" / "nba_stats" / "_nba_stats__sources.yml"

_RUNNING_MESSAGE = re.compile(r"running as pid (\d+) on (\S+)")
_AUDIT_COLUMNS = "run_id, step, name, status, started_at, finished_at, failures, message"


class StatusUnavailable(RuntimeError):
    """The database cannot be read right now: ``busy`` when a run holds DuckDB's write lock,
    else it is down or refuses us."""

    def __init__(self, message: str, busy: bool = False) -> None:
        super().__init__(message)
        self.busy = busy


def collect_status(settings: Settings, now: datetime | None = None) -> dict[str, Any]:
    """Everything the Pulse shows, as JSON-serialisable data with no password in it."""
    now = now or utc_now()
    status: dict[str, Any] = {
        "generated_at": _iso(now),
        "target": settings.target,
        "database": settings.database_label,
        "season": settings.season,
        "health": "unknown",
        "last_run": None,
        "last_successful_sync": None,
        "freshness": {"latest_completed_game_date": None, "latest_season": None, "latest_load_at": None,
                      "sources": [], "sources_status": None},
        "rows_per_mart": {table: None for table in marts()},
        "audit_checks": [],
        "preflight_checks": [],
        "recent_runs": [],
        "history": [],
        "problem": None,
        "stale": False,
        "warnings": [],
    }
    if settings.target == "duckdb" and not settings.duckdb_path.exists():
        status["warnings"].append(f"No database yet at {settings.database_label}: run `nba-elt elt`.")
        return _scrub(status, settings)
    try:
        with connect(settings, read_only=True) as database:
            if database.table_exists("audit", "pipeline_audit"):
                _read_audit(database, status, now)
            if database.table_exists("nba", "matches"):
                _read_marts(database, status)
            _read_source_freshness(database, status, now)
    except DatabaseUnavailable as error:
        raise _unavailable(settings, error) from None
    status["warnings"].extend(_warnings(status, now))
    status["health"] = _health(status)
    status["problem"] = _problem(status)
    return _scrub(status, settings)


def is_in_season(day: date) -> bool:
    """October to June: when games are played and a nightly sync has something to do."""
    return day.month >= 10 or day.month <= 6


def _unavailable(settings: Settings, error: DatabaseUnavailable) -> StatusUnavailable:
    text = str(error)
    if settings.target == "duckdb" and ("lock" in text.lower() or "different configuration" in text):
        return StatusUnavailable(
            f"The DuckDB file {settings.database_label} is locked by a run in progress (DuckDB allows "
            "one writer and no readers beside it); the status is readable again when the run ends.", busy=True)
    return StatusUnavailable(text)


def _read_audit(database: Database, status: dict[str, Any], now: datetime) -> None:
    audit = "audit.pipeline_audit"
    # One read of the runs serves the recent ones and the history (RECENT_RUNS <= HISTORY_RUNS),
    # one read of the syncs the last one and the history's waits.
    rows = database.query(
        f"select {_AUDIT_COLUMNS}, api_requests from {audit} where step = 'run' order by started_at desc limit %s",
        (HISTORY_RUNS,),
    )
    runs = [_run(row[:8], now) for row in rows]
    status["recent_runs"] = runs[:RECENT_RUNS]
    status["last_run"] = runs[0] if runs else None
    syncs = database.query(
        f"select finished_at, run_id from {audit} where step = 'run' and status in ('success', 'warn') "
        "and finished_at is not null order by finished_at"
    )
    if syncs:
        status["last_successful_sync"] = {"run_id": syncs[-1][1], "finished_at": _iso(syncs[-1][0])}
    status["history"] = _history(database, audit, rows, runs, [finished_at for finished_at, _ in syncs])
    if runs:
        runs[0]["steps"] = status["history"][-1]["steps"]
    status["freshness"]["latest_load_at"] = _iso(database.scalar(
        f"select max(finished_at) from {audit} where step = 'extract_load' and status = 'success'"
    ))
    status["audit_checks"] = _latest_per_name(database, audit, "audit_check")
    status["preflight_checks"] = _latest_per_name(database, audit, "preflight")


def _latest_per_name(database: Database, audit: str, step: str) -> list[dict[str, Any]]:
    """Each check's last result, worst first, then by name."""
    rows = database.query(
        f"select name, status, failures, coalesce(finished_at, started_at), run_id, message from ("
        f"  select *, row_number() over (partition by name order by coalesce(finished_at, started_at) desc)"
        f"  as recency from {audit} where step = %s"
        ") as ranked where recency = 1",
        (step,),
    )
    checks = [
        {"name": name, "status": check_status, "failures": failures, "at": _iso(at), "run_id": run_id,
         "message": message}
        for name, check_status, failures, at, run_id, message in rows
    ]
    return sorted(checks, key=lambda check: (STATUS_RANK.get(check["status"], 9), check["name"]))


def _history(database: Database, audit: str, rows: list[tuple[Any, ...]], runs: list[dict[str, Any]],
             synced: list[datetime]) -> list[dict[str, Any]]:
    """The runs of ``rows`` (newest first, as ``runs`` read them), oldest first, each with its
    steps (their seconds, rows and requests), its audit failures and how long the data had
    waited for it (hours since the last sync, of the times ``synced``, that ended before it)."""
    if not runs:
        return []
    ids = [run["run_id"] for run in runs]
    steps: dict[str, list[dict[str, Any]]] = {run_id: [] for run_id in ids}
    failures = dict.fromkeys(ids, 0)
    placeholders = ", ".join(["%s"] * len(ids))
    for run_id, step, name, step_status, started_at, finished_at, failed, message, loaded, requests in database.query(
        f"select {_AUDIT_COLUMNS}, rows_per_table, api_requests from {audit} "
        f"where run_id in ({placeholders}) and step <> 'run' order by started_at", tuple(ids),
    ):
        if step == "audit_check":
            failures[run_id] += step_status in FAILING
        elif step in TIMED_STEPS:
            _add_step(steps[run_id], {
                "step": step, "name": name, "status": step_status, "started_at": _iso(started_at),
                "seconds": _seconds(started_at, finished_at), "rows": _rows(loaded), "api_requests": requests,
                "failures": failed, "message": message,
            })
    history = []
    for row, run in zip(reversed(rows), reversed(runs), strict=True):
        started_at, synced_before = row[4], bisect.bisect_left(synced, row[4])
        last_sync = synced[synced_before - 1] if synced_before else None
        history.append({
            **run, "api_requests": row[8], "steps": steps[run["run_id"]], "audit_failures": failures[run["run_id"]],
            "rows": sum(step["rows"] or 0 for step in steps[run["run_id"]]),
            "hours_since_last_sync": round((started_at - last_sync).total_seconds() / 3600, 1) if last_sync else None,
        })
    return history


def _add_step(steps: list[dict[str, Any]], row: dict[str, Any]) -> None:
    """A step's row, or its rows as one: the pre-flight's checks, a backfill's loads (their
    seconds, rows and requests summed, the worst status, their messages joined)."""
    same = next((step for step in steps if step["step"] == row["step"]), None)
    if same is None:
        steps.append(row)
        return
    for measure in ("seconds", "rows", "api_requests", "failures"):
        if row[measure] is not None:
            same[measure] = round((same[measure] or 0) + row[measure], 1)
    if STATUS_RANK.get(row["status"], 9) < STATUS_RANK.get(same["status"], 9):
        same["status"] = row["status"]
    same["name"] = f"{same['name']}, {row['name']}"
    same["message"] = "; ".join(message for message in (same["message"], row["message"]) if message)


def _rows(rows_per_table: str | None) -> int | None:
    """The rows a step loaded, all tables together (rows_per_table is JSON text)."""
    return sum(json.loads(rows_per_table).values()) if rows_per_table else None


def _seconds(started_at: datetime | None, finished_at: datetime | None) -> float | None:
    return round((finished_at - started_at).total_seconds(), 1) if finished_at and started_at else None


def _run(row: tuple[Any, ...], now: datetime) -> dict[str, Any]:
    run_id, _, name, run_status, started_at, finished_at, _, message = row
    if run_status == "running" and _is_abandoned(started_at, message, now):
        run_status = "abandoned"
    return {
        "run_id": run_id,
        "name": name,
        "status": run_status,
        "started_at": _iso(started_at),
        "finished_at": _iso(finished_at),
        "seconds": _seconds(started_at, finished_at),
        "message": message,
    }


def _is_abandoned(started_at: datetime | None, message: str | None, now: datetime) -> bool:
    """A run row left ``running`` by a process that is gone (kill -9, a lost machine)."""
    if started_at is not None and now - started_at > ABANDONED_AFTER:
        return True
    match = _RUNNING_MESSAGE.search(message or "")
    if match is None or match.group(2) != socket.gethostname():
        return False
    return not _process_alive(int(match.group(1)))


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, someone else's
    return True


def _read_marts(database: Database, status: dict[str, Any]) -> None:
    for table in marts():
        if database.table_exists("nba", table):
            status["rows_per_mart"][table] = int(database.scalar(f"select count(*) from nba.{table}"))
    # The season of the data, which NBA_SEASON (the season being synced) need not be.
    (latest, season), = database.query("select max(game_date), max(season) from nba.matches where is_completed")
    status["freshness"]["latest_completed_game_date"] = str(latest)[:10] if latest is not None else None
    status["freshness"]["latest_season"] = season


@functools.cache
def source_freshness_rule() -> tuple[str, str, dict[str, timedelta], list[str]]:
    """``dbt source freshness``'s rule, read from its one home, the sources' yml: the raw
    schema, the loaded_at_field (SQL), warn and error ages, and the tables it judges (not
    those whose own config sets ``freshness: null``)."""
    (source,) = yaml.safe_load(SOURCES_YML.read_text())["sources"]
    config = source["config"]
    ages = {level: timedelta(**{f"{config['freshness'][f'{level}_after']['period']}s":
                                config["freshness"][f"{level}_after"]["count"]}) for level in ("warn", "error")}
    judged = [table["name"] for table in source["tables"]
              if "freshness" not in table.get("config", {}) or table["config"]["freshness"] is not None]
    return source["schema"], config["loaded_at_field"], ages, judged


def _read_source_freshness(database: Database, status: dict[str, Any], now: datetime) -> None:
    """What ``dbt source freshness`` would say now: each raw table's latest load (its
    loaded_at_field, run as dbt runs it) and whether it is older than the rule's ages."""
    schema, loaded_at, ages, tables = source_freshness_rule()
    results = []
    for table in tables:
        if not database.table_exists(schema, table):
            continue
        epoch = database.scalar(f"select extract(epoch from max({loaded_at})) from {schema}.{table}")
        if epoch is None:
            continue
        loaded = datetime.fromtimestamp(float(epoch), UTC).replace(tzinfo=None)
        age = now - loaded
        level = "error" if age > ages["error"] else "warn" if age > ages["warn"] else "pass"
        results.append({"table": table, "loaded_at": _iso(loaded), "age_hours": round(age.total_seconds() / 3600, 1),
                        "status": level})
    status["freshness"]["sources"] = results
    if results:
        status["freshness"]["sources_status"] = max((result["status"] for result in results),
                                                    key=("pass", "warn", "error").index)


def _warnings(status: dict[str, Any], now: datetime) -> list[str]:
    warnings = []
    last_sync = status["last_successful_sync"]
    if is_in_season(now.date()):
        if last_sync is None:
            status["stale"] = True
            warnings.append("Stale data: no successful sync yet, and the season is on.")
        else:
            age = now - datetime.fromisoformat(last_sync["finished_at"])
            status["stale"] = age > STALE_AFTER
            if status["stale"]:
                warnings.append(f"Stale data: the last successful sync was {_age(age)} ago, during the season.")
    if status["last_run"] and status["last_run"]["status"] == "abandoned":
        warnings.append(f"Run {status['last_run']['run_id']} was abandoned: its process is gone.")
    return warnings


def _health(status: dict[str, Any]) -> str:
    """One light for the whole system: fail beats warn beats ok (a run that ended ``warn``
    warns: columns the API changed, an audit that warned, raw repaired)."""
    last_run = status["last_run"]
    checks = status["audit_checks"] + status["preflight_checks"]
    if last_run is None and not checks:
        return "unknown"
    if (last_run and last_run["status"] in ("fail", "error", "abandoned")) or any(
        check["status"] in FAILING for check in checks
    ):
        return "fail"
    if (last_run and last_run["status"] == "warn") or status["stale"] or status["warnings"] or any(
        check["status"] == "warn" for check in checks
    ):
        return "warn"
    return "ok"


def _problem(status: dict[str, Any]) -> dict[str, Any] | None:
    """What is wrong, in the words the Pulse's top band uses: the step of the last run that
    failed or warned (its status, one-sentence cause and when), else the worst warning."""
    last_run = status["last_run"]
    if last_run and last_run["status"] in ("fail", "error", "warn", "abandoned"):
        steps = [step for step in last_run.get("steps", []) if step["status"] == last_run["status"]]
        step = steps[0] if steps else None
        failing = [check for check in status["audit_checks"] if check["status"] in FAILING
                   and check["run_id"] == last_run["run_id"]]
        cause = (f"{len(failing)} audit(s) failed, on the games named below; the data is loaded."
                 if failing and step and step["step"] == "audit" else
                 _first_sentence((step or last_run)["message"]) or last_run["status"])
        return {
            "status": last_run["status"],
            "step": step["step"] if step else "run",
            "cause": cause,
            "at": (step or last_run)["started_at"],
            "run_id": last_run["run_id"],
            "failing_audits": [{"name": check["name"], "message": check["message"]} for check in failing],
        }
    if status["warnings"]:
        return {"status": "warn", "step": None, "cause": status["warnings"][0], "at": status["generated_at"],
                "run_id": None, "failing_audits": []}
    return None


def _first_sentence(message: str | None) -> str | None:
    """A message up to the end of its first sentence (dbt and tracebacks run on)."""
    if not message:
        return None
    first = re.split(r"(?<=\.)\s", message.strip(), maxsplit=1)[0].rstrip(";")
    return first if len(first) <= 400 else first[:399] + "\u2026"


def _age(age: timedelta) -> str:
    hours = age.total_seconds() / 3600
    return f"{hours:.0f} hours" if hours < 48 else f"{hours / 24:.0f} days"


def _iso(moment: Any) -> str | None:
    if moment is None:
        return None
    return moment.isoformat(sep=" ", timespec="seconds") if isinstance(moment, datetime) else str(moment)


def _scrub(status: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Belt and braces: whatever a message carried, no secret leaves (loader.ops.redaction)."""
    scrubbed: dict[str, Any] = redacted(status)
    return scrubbed
