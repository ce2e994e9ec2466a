"""All of NBA history: load every season from the season-level endpoints, resumably.

A season costs one schedule request and, per season type, one team log and one player
log: 80 seasons of three types are some 560 requests, a few minutes at the API's pace
rather than the days that per-game box scores would take. Seasons go to dlt several at a
time (``NBA_BACKFILL_BATCH``, 8 by default), one load each, so that dlt's fixed cost of a
load is paid once per batch rather than once per season. Once a load has committed, a row
per season and season type goes into ``audit.backfill_progress``. A backfill killed at
any point and started again skips the seasons recorded there and reloads at most the
batch it was in: a load of seasons that raw already holds rows of merges on natural
keys, which makes that reload harmless. The season in progress is loaded but never
recorded as done. The marts are built, and audited, once at the end.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import logging
import os
import queue
import socket
import threading
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TextIO

import pyarrow as pa

from loader.database import Database, connect
from loader.nba_stats.helpers import StatsClient, schedule_games
from loader.nba_stats.settings import GAME_LOGS
from loader.ops.audit import Recorder, ensure_audit_table, record_set_aside_rows, utc_now
from loader.ops.lock import RunInProgress, RunLock, run_lock
from loader.ops.progress import Progress
from loader.runs.plan import SyncPlan, fetch_game_logs, plan_sync
from loader.runs.play_by_play import backfill_play_by_play
from loader.runs.steps import AuditsFailed, RawLoad, RunSummary, build_marts, cyclic_gc_paused, load_raw, run_audits
from loader.settings import ConfigError, Settings, format_season, season_in_progress, season_start_year

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


def run_backfill(
    settings: Settings,
    first: str = FIRST_SEASON,
    last: str | None = None,
    season_types: Sequence[str] | None = None,
    today: date | None = None,
    client: StatsClient | None = None,
    run_id: str | None = None,
    progress_stream: TextIO | None = None,
    play_by_play: bool = False,
) -> RunSummary:
    """Load every season from ``first`` to ``last`` not yet recorded, then, with
    ``play_by_play``, every completed game's play-by-play that raw lacks (1996-97 on, one
    request a game: loader.runs.play_by_play), then build and audit the marts."""
    if season_types is not None:
        settings = dataclasses.replace(settings, season_types=tuple(season_types))
    seasons = seasons_between(first, last or settings.season)
    recorder = Recorder(settings, run_id)
    name = f"backfill {seasons[0]}..{seasons[-1]}"
    try:
        with run_lock(settings, settings.lock_wait) as lock:
            own_client = client is None
            client = client or StatsClient(settings)
            try:
                # Before anything lands, a season is guessed at its requests' pacing.
                progress = Progress(len(seasons), lambda: client.request_count, progress_stream,
                                    seconds_per_season=(1 + 2 * len(settings.season_types)) * settings.request_delay)
                return _backfill_locked(settings, lock, recorder, name, seasons, today or date.today(), client,
                                        progress, progress_stream, play_by_play)
            finally:
                progress.close()
                if own_client:
                    client.close()
    except RunInProgress as busy:
        recorder.record("run", name, "skipped", message=str(busy))
        raise


def _backfill_locked(
    settings: Settings, lock: RunLock, recorder: Recorder, name: str, seasons: list[str], today: date,
    client: StatsClient, progress: Progress, play_by_play_stream: TextIO | None, play_by_play: bool,
) -> RunSummary:
    summary = RunSummary(run_id=recorder.run_id)
    record_set_aside_rows(settings)
    run_event = recorder.start("run", name, message=f"running as pid {os.getpid()} on {socket.gethostname()}")
    try:
        done = completed_seasons(settings)
        to_load: dict[str, list[str]] = {}
        for season in seasons:
            types = [season_type for season_type in settings.season_types if (season, season_type) not in done]
            if types:
                to_load[season] = types
        progress.done = len(seasons) - len(to_load)
        extract_load(settings, lock, client, recorder, summary, to_load, today, progress)
        progress.fetching = progress.loading = ""
        progress.show()
        progress.close()
        if play_by_play:
            with cyclic_gc_paused():
                backfill_play_by_play(settings, lock, client, recorder, summary, seasons, play_by_play_stream)
        # The allocator keeps what the fetched Arrow tables freed; dbt's build, the
        # backfill's peak in memory, should not sit on top of it.
        pa.default_memory_pool().release_unused()
        lock.verify("building the marts")
        build_marts(settings, recorder)
        lock.verify("running the audits")
        run_audits(settings, recorder, summary, today)
    except BaseException as error:
        summary.status = "fail" if isinstance(error, AuditsFailed) else "error"
        recorder.finish(run_event, summary.status, message=str(error) or type(error).__name__,
                        error=None if summary.status == "fail" else error,
                        api_requests=client.request_count, rows_per_table=summary.rows_per_table)
        raise
    summary.api_requests = client.request_count
    summary.status = summary.outcome
    recorder.finish(run_event, summary.status, api_requests=client.request_count,
                    rows_per_table=summary.rows_per_table,
                    message=f"{len(seasons)} seasons, {sum(summary.rows_per_table.values())} raw rows loaded, "
                            f"{client.request_count} API requests")
    return summary


def extract_load(
    settings: Settings, lock: RunLock, client: StatsClient, recorder: Recorder, summary: RunSummary,
    to_load: dict[str, list[str]], today: date, progress: Progress | None = None,
) -> None:
    """Fetch and load ``to_load`` (season -> season types), ``NBA_BACKFILL_BATCH`` seasons a
    load, each batch fetched while dlt loads the one before, with the cyclic garbage
    collector paused but for one collection after each load (see cyclic_gc_paused)."""
    seasons = list(to_load)
    batches = [{season: to_load[season] for season in seasons[start:start + settings.backfill_batch]}
               for start in range(0, len(seasons), settings.backfill_batch)]
    fetch = functools.partial(fetch_seasons, settings, client, today=today, progress=progress)
    with cyclic_gc_paused(), contextlib.closing(fetched_ahead(fetch, batches, client)) as fetched_batches:
        for fetched in fetched_batches:
            load_seasons(settings, lock, recorder, summary, fetched, today, progress)
            gc.collect()


@dataclass
class FetchedSeasons:
    """What the API sent for a batch of seasons, ready for one dlt load, or why it did not."""

    plans: list[SyncPlan]
    #: The season types asked for, per season: each gets its progress row once loaded.
    season_types: dict[str, list[str]]
    api_requests: int
    error: BaseException | None = None


def fetch_seasons(
    settings: Settings, client: StatsClient, season_types: dict[str, list[str]], today: date,
    progress: Progress | None = None,
) -> list[SyncPlan]:
    """Schedule and game logs of each season (``season -> season types``), one plan each."""
    plans = []
    for season, types in season_types.items():
        if progress:
            progress.fetching = season
            progress.show()
        # An empty schedule (the API has none for old seasons): plan_sync asks for every type.
        games = schedule_games(client.schedule(season))
        plan = plan_sync(games, season, types, None, settings.lookback_days, today)
        fetch_game_logs(client, plan, settings.load_path)
        plans.append(plan)
    if progress:
        progress.fetching = ""
    return plans


def fetched_ahead(
    fetch: Callable[[dict[str, list[str]]], list[SyncPlan]], batches: list[dict[str, list[str]]],
    client: StatsClient,
) -> Generator[FetchedSeasons, None, None]:
    """Each batch, fetched; the next one is fetched in a background thread while the
    caller loads this one, so that the API's answers and dlt's work overlap.

    A failed fetch arrives as a FetchedSeasons with its ``error``, and is the last. When
    the caller stops early (an error, Ctrl-C), the client is cancelled: the fetch under
    way makes no further request, and its thread ends before this generator does.
    """
    results: queue.Queue[FetchedSeasons] = queue.Queue()
    turns = threading.Semaphore(2)  # the batch being loaded and the one fetched ahead of it
    stop = threading.Event()

    def fetch_all() -> None:
        for batch in batches:
            turns.acquire()
            if stop.is_set():
                return
            requests_before = client.request_count
            try:
                plans, error = fetch(batch), None
            except BaseException as failure:  # noqa: BLE001 - handed to the loading thread, which raises it
                plans, error = [], failure
            results.put(FetchedSeasons(plans, batch, client.request_count - requests_before, error))
            if error is not None:
                return

    fetcher = threading.Thread(target=fetch_all, name="nba-elt-fetch", daemon=True)
    fetcher.start()
    finished = False
    try:
        for _ in batches:
            fetched = results.get()
            yield fetched
            if fetched.error is not None:
                return
            turns.release()
        finished = True
    finally:
        if not finished:
            stop.set()
            client.cancel()
            turns.release()
        fetcher.join()


def load_seasons(
    settings: Settings, lock: RunLock, recorder: Recorder, summary: RunSummary, fetched: FetchedSeasons,
    today: date, progress: Progress | None = None,
) -> None:
    """A batch of fetched seasons in one dlt load, then their progress rows.

    A kill between the load and the progress rows reloads these seasons next time; raw
    then holds rows of them, so that load merges on natural keys, which makes it harmless.
    """
    seasons = list(fetched.season_types)
    label = seasons[0] if len(seasons) == 1 else f"{seasons[0]}..{seasons[-1]}"
    event = recorder.start("extract_load", f"nba_stats {label}")
    try:
        if fetched.error is not None:
            raise fetched.error
        if progress:
            progress.loading = label
            progress.show()
        to_load = [plan for plan in fetched.plans if plan.season_types or plan.games]
        lock.verify("loading")
        load = load_raw(settings, to_load) if to_load else RawLoad()
    except BaseException as error:
        recorder.finish(event, "error", message=str(error) or type(error).__name__, error=error,
                        api_requests=fetched.api_requests)
        raise
    # Types the schedule has no game of are done too: there is nothing of them to load. The
    # season in progress is never done: a later backfill fetches it again (the nightly sync
    # keeps it current meanwhile).
    _record_progress(settings, [plan for plan in fetched.plans if plan.season != season_in_progress(today)],
                     fetched.season_types)
    for plan in fetched.plans:
        for table, changes in plan.column_changes.items():
            summary.column_changes.setdefault(table, []).extend(changes)
    load.record_repairs(recorder, summary)
    for table, count in load.rows.items():
        summary.rows_per_table[table] = summary.rows_per_table.get(table, 0) + count
    if progress:
        progress.done += len(seasons)
        progress.done_this_run += len(seasons)
        # two team rows a game
        progress.games += sum(load.rows.get(log.table, 0) // 2 for log in GAME_LOGS if log.player_or_team == "T")
        progress.loading = ""
        progress.show()
    recorder.finish(event, "success", rows_per_table=load.rows, load_id=load.load_id,
                    api_requests=fetched.api_requests,
                    message=f"{len(seasons)} season(s), {load.describe()}; season types loaded: "
                            + "; ".join(f"{plan.season} {plan.season_types}" for plan in fetched.plans))


def _record_progress(settings: Settings, plans: list[SyncPlan], season_types: dict[str, list[str]]) -> None:
    """A row per season and season type, loaded and committed, in one statement."""
    finished_at = utc_now()
    rows = [(plan.season, season_type, finished_at, plan.rows_fetched.get(season_type, 0))
            for plan in plans for season_type in season_types[plan.season]]
    if not rows:
        return
    with connect(settings) as database:
        ensure_progress_table(database)
        database.execute(
            "insert into audit.backfill_progress (season, season_type, finished_at, rows) values "
            + ", ".join(["(%s, %s, %s, %s)"] * len(rows)),
            [value for row in rows for value in row],
        )
