"""All of NBA history: load every season from the season-level endpoints, resumably.

A season costs one schedule request and, per season type, one team log and one player
log: 80 seasons of three types are some 560 requests, a few minutes at the API's pace
rather than the days that per-game box scores would take. Each season is one dlt load;
once it has committed, a row per season type goes into ``audit.backfill_progress``. A
backfill killed at any point and started again skips the seasons recorded there and
reloads at most the one it was in (merges on natural keys make that reload harmless).
The season in progress is loaded but never recorded as done. The marts are built, and audited, once at the end.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import sys
import time
from collections.abc import Sequence
from datetime import date
from typing import TextIO

from loader.audit import Recorder, ensure_audit_table, utc_now
from loader.client import StatsClient
from loader.database import Database, connect
from loader.lock import RunInProgress, run_lock
from loader.pipeline import AuditsFailed, RunSummary, build_marts, load_raw, run_audits
from loader.settings import ConfigError, Settings, format_season, season_in_progress, season_start_year
from loader.source import plan_sync, schedule_games

logger = logging.getLogger(__name__)

#: The first season of the BAA, which became the NBA.
FIRST_SEASON = "1946-47"

CREATE_PROGRESS_TABLE = """
create table if not exists audit.backfill_progress (
    season varchar(7) not null,
    season_type varchar(32) not null,
    finished_at timestamp not null,
    rows integer not null,
    primary key (season, season_type)
)
"""


def seasons_between(first: str, last: str) -> list[str]:
    """``"2022-23", "2024-25"`` -> the three seasons, oldest first."""
    start, end = season_start_year(first), season_start_year(last)
    if start > end:
        raise ConfigError(f"--from {first} comes after --to {last}: give the older season first.")
    return [format_season(year) for year in range(start, end + 1)]


def completed_seasons(settings: Settings) -> set[tuple[str, str]]:
    """The (season, season type) pairs a backfill has loaded and committed."""
    with connect(settings) as database:
        ensure_progress_table(database)
        return {(season, season_type) for season, season_type in
                database.query("select season, season_type from audit.backfill_progress")}


def ensure_progress_table(database: Database) -> None:
    ensure_audit_table(database)
    database.execute(CREATE_PROGRESS_TABLE)


class Progress:
    """One line on stderr, rewritten in place: seasons done, requests made, time left."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.done = 0
        self.done_this_run = 0

    def show(self, requests: int, season: str = "") -> None:
        elapsed = time.monotonic() - self.started
        left = (elapsed / self.done_this_run * (self.total - self.done)) if self.done_this_run else None
        width = 30
        filled = width * self.done // self.total if self.total else width
        self.stream.write(
            f"\rbackfill [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} seasons"
            f"  {requests} requests  {_clock(elapsed)} elapsed"
            f"  {'?' if left is None else _clock(left)} left  {season:<8}"
        )
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def run_backfill(
    settings: Settings,
    first: str = FIRST_SEASON,
    last: str | None = None,
    season_types: Sequence[str] | None = None,
    today: date | None = None,
    client: StatsClient | None = None,
    run_id: str | None = None,
    progress_stream: TextIO | None = None,
) -> RunSummary:
    """Load every season from ``first`` to ``last`` not yet recorded, then build and audit the marts."""
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    if season_types is not None:
        settings = dataclasses.replace(settings, season_types=tuple(season_types))
    seasons = seasons_between(first, last or settings.season)
    recorder = Recorder(settings, run_id)
    name = f"backfill {seasons[0]}..{seasons[-1]}"
    try:
        with run_lock(settings, settings.lock_wait):
            own_client = client is None
            client = client or StatsClient(settings)
            try:
                return _backfill_locked(settings, recorder, name, seasons, today or date.today(), client,
                                        Progress(len(seasons), progress_stream))
            finally:
                if own_client:
                    client.close()
    except RunInProgress as busy:
        recorder.record("run", name, "skipped", message=str(busy))
        raise


def _backfill_locked(
    settings: Settings, recorder: Recorder, name: str, seasons: list[str], today: date,
    client: StatsClient, progress: Progress,
) -> RunSummary:
    summary = RunSummary(run_id=recorder.run_id)
    run_event = recorder.start("run", name, message=f"running as pid {os.getpid()} on {socket.gethostname()}")
    try:
        done = completed_seasons(settings)
        for season in seasons:
            to_load = [season_type for season_type in settings.season_types if (season, season_type) not in done]
            if to_load:
                progress.show(client.request_count, season)
                _load_season(settings, client, recorder, summary, season, to_load, today)
                progress.done_this_run += 1
            progress.done += 1
            progress.show(client.request_count)
        progress.close()
        build_marts(settings, recorder)
        run_audits(settings, recorder, summary)
    except BaseException as error:
        summary.status = "fail" if isinstance(error, AuditsFailed) else "error"
        recorder.finish(run_event, summary.status, message=str(error) or type(error).__name__,
                        error=None if summary.status == "fail" else error,
                        api_requests=client.request_count, rows_per_table=summary.rows_per_table)
        raise
    summary.api_requests = client.request_count
    summary.status = "warn" if summary.column_changes else "success"
    recorder.finish(run_event, summary.status, api_requests=client.request_count,
                    rows_per_table=summary.rows_per_table,
                    message=f"{len(seasons)} seasons, {sum(summary.rows_per_table.values())} raw rows loaded, "
                            f"{client.request_count} API requests")
    return summary


def _load_season(
    settings: Settings, client: StatsClient, recorder: Recorder, summary: RunSummary,
    season: str, season_types: list[str], today: date,
) -> None:
    """One season in one dlt load, then its progress rows: a kill between the two reloads it."""
    event = recorder.start("extract_load", f"nba_stats {season}")
    requests_before = client.request_count
    try:
        # An empty schedule (the API has none for old seasons): plan_sync asks for every type.
        games = schedule_games(client.schedule(season))
        plan = plan_sync(games, season, season_types, None, settings.lookback_days, today)
        load_id, rows = load_raw(settings, client, plan, games) if plan.season_types else (None, {})
    except BaseException as error:
        recorder.finish(event, "error", message=str(error) or type(error).__name__, error=error,
                        api_requests=client.request_count - requests_before)
        raise
    # Types the schedule has no game of are done too: there is nothing of them to load. The
    # season in progress is never done: a later backfill fetches it again (the nightly sync
    # keeps it current meanwhile).
    if season != season_in_progress(today):
        _record_progress(settings, season, {season_type: plan.rows_fetched.get(season_type, 0)
                                            for season_type in season_types})
    for table, count in rows.items():
        summary.rows_per_table[table] = summary.rows_per_table.get(table, 0) + count
    for table, changes in plan.column_changes.items():
        summary.column_changes.setdefault(table, []).extend(changes)
    recorder.finish(event, "success", rows_per_table=rows, load_id=load_id,
                    api_requests=client.request_count - requests_before,
                    message=f"season types {plan.season_types}, {'a' if games else 'no'} schedule")


def _record_progress(settings: Settings, season: str, rows_per_type: dict[str, int]) -> None:
    finished_at = utc_now()
    with connect(settings) as database:
        ensure_progress_table(database)
        for season_type, rows in rows_per_type.items():
            database.execute(
                "insert into audit.backfill_progress (season, season_type, finished_at, rows) "
                "values (%s, %s, %s, %s)",
                (season, season_type, finished_at, rows),
            )
