"""One nightly run, end to end: pre-flight, extract-load with dlt (the box scores, then the
play-by-play of the games that need it), dbt models, dbt audits.

Each step leaves a row in ``audit.pipeline_audit``; the run's own row opens first and is
closed last, whatever happens in between (an exception, Ctrl-C), so the flight recorder
never shows a run as running once its process is gone.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import date

from loader.database import connect
from loader.nba_stats.helpers import StatsClient, changed_games, schedule_games
from loader.ops.audit import Recorder, record_set_aside_rows
from loader.ops.lock import RunInProgress, RunLock, run_lock
from loader.ops.preflight import run_checks
from loader.runs.plan import fetch_game_logs, plan_sync
from loader.runs.play_by_play import nightly_play_by_play
from loader.runs.reconcile import describe_stale, schedule_disagreements
from loader.runs.state import read_box_score_gaps, read_held_matches, read_schedule_hashes, read_watermark
from loader.runs.steps import (
    AuditsFailed,
    PreflightFailed,
    RunSummary,
    build_marts,
    cyclic_gc_paused,
    load_raw,
    run_audits,
)
from loader.settings import Settings

logger = logging.getLogger(__name__)


def run_elt(
    settings: Settings,
    today: date | None = None,
    client: StatsClient | None = None,
    run_id: str | None = None,
    resync_season: bool = False,
    audit: bool = True,
) -> RunSummary:
    """Sync ``settings.season`` and audit it. Raises when the run did not succeed.

    ``resync_season`` ignores the watermark and re-fetches the whole season, for stat
    corrections older than the lookback window. ``audit=False`` leaves ``dbt test``
    out, for simulations that audit once a week rather than every night.

    Holds the database's run lock throughout: a second run started meanwhile records a
    ``skipped`` row and raises RunInProgress instead of interleaving with this one; and
    proves it still holds it before it loads and before dbt (LockLost).
    """
    recorder = Recorder(settings, run_id)
    try:
        with run_lock(settings, settings.lock_wait) as lock:
            return _run_locked(settings, lock, recorder, today or date.today(), client, resync_season, audit)
    except RunInProgress as busy:
        recorder.record("run", f"elt {settings.season}", "skipped", message=str(busy))
        raise


def _run_locked(
    settings: Settings,
    lock: RunLock,
    recorder: Recorder,
    today: date,
    client: StatsClient | None,
    resync_season: bool,
    audit: bool,
) -> RunSummary:
    summary = RunSummary(run_id=recorder.run_id)
    record_set_aside_rows(settings)
    run_event = recorder.start("run", f"elt {settings.season}",
                               message=f"running as pid {os.getpid()} on {socket.gethostname()}")
    own_client = client is None
    client = client or StatsClient(settings)
    try:
        _preflight(settings, client, recorder)
        with cyclic_gc_paused():
            _extract_load(settings, client, recorder, summary, today, resync_season, lock)
            # The games whose box scores the night fetched again are checked against their
            # play-by-play: the window's, or the whole season's on a resync.
            checked_from = date.min if resync_season else summary.plan.date_from if summary.plan else None
            play_by_play_error = nightly_play_by_play(
                settings, client, recorder, summary, settings.season, checked_from, lock,
            ) if settings.play_by_play else None
        lock.verify("building the marts")
        build_marts(settings, recorder)
        if audit:
            lock.verify("running the audits")
            run_audits(settings, recorder, summary, today)
        if play_by_play_error is not None:
            # The box scores and the marts are whole; the games left are due again tomorrow.
            raise play_by_play_error
    except BaseException as error:
        summary.status = "fail" if isinstance(error, AuditsFailed | PreflightFailed) else "error"
        recorder.finish(run_event, summary.status, message=str(error) or type(error).__name__,
                        error=None if summary.status == "fail" else error,
                        api_requests=client.request_count, rows_per_table=summary.rows_per_table)
        raise
    finally:
        if own_client:
            client.close()
    summary.api_requests = client.request_count
    summary.status = summary.outcome
    recorder.finish(run_event, summary.status, message=_describe(summary),
                    api_requests=client.request_count, rows_per_table=summary.rows_per_table)
    return summary


def _preflight(settings: Settings, client: StatsClient, recorder: Recorder) -> None:
    for check in run_checks(settings, client):
        recorder.record("preflight", check.name, "success" if check.ok else "fail", message=check.message)
        if not check.ok:
            raise PreflightFailed(check.message)


def _extract_load(
    settings: Settings,
    client: StatsClient,
    recorder: Recorder,
    summary: RunSummary,
    today: date,
    resync_season: bool,
    lock: RunLock,
) -> None:
    event = recorder.start("extract_load", f"nba_stats {settings.season}")
    requests_before = client.request_count
    try:
        with connect(settings) as database:
            watermark = None if resync_season else read_watermark(database, settings.season)
            stored_hashes = read_schedule_hashes(database, settings.season)
            held = read_held_matches(database, settings.season) if watermark else {}
            gaps = read_box_score_gaps(database, settings.season, settings.season_types) if watermark else []
        games = schedule_games(client.schedule(settings.season, require_games=bool(stored_hashes)))
        # Without a watermark the whole season is fetched: there is nothing to reach back to.
        stale = schedule_disagreements(games, held, settings.season_types) + gaps if watermark else []
        plan = plan_sync(games, settings.season, settings.season_types, watermark,
                         settings.lookback_days, today, stale)
        if not resync_season:
            plan.games = changed_games(plan.games, stored_hashes)
        summary.plan = plan
        logger.info("season %s: watermark %s, fetching %s from %s",
                    settings.season, watermark, plan.season_types or "nothing", plan.date_from or "the start")
        if plan.stale_games:
            logger.warning("season %s: %s", settings.season, describe_stale(plan.stale_games))
        fetch_game_logs(client, plan, settings.load_path)
        lock.verify("loading")
        load = load_raw(settings, [plan])
    except BaseException as error:
        recorder.finish(event, "error", message=str(error) or type(error).__name__, error=error,
                        api_requests=client.request_count - requests_before)
        raise
    summary.rows_per_table = load.rows
    summary.column_changes = plan.column_changes
    summary.api_requests = client.request_count
    recorder.finish(event, "success", rows_per_table=load.rows, load_id=load.load_id,
                    api_requests=client.request_count - requests_before,
                    message=f"watermark {watermark}, season types {plan.season_types}, from {plan.date_from}; "
                            + load.describe() + (f"; {describe_stale(plan.stale_games)}" if plan.stale_games else ""))
    for table, changes in plan.column_changes.items():
        recorder.record("audit_check", f"api_columns_{table}", "warn",
                        message=f"the stats API changed the columns of {table}: {'; '.join(changes)}")
    load.record_repairs(recorder, summary)


def _describe(summary: RunSummary) -> str:
    audits = len(summary.audits.nodes) if summary.audits else 0
    rows = sum(summary.rows_per_table.values())
    warned = f", {len(summary.warned_audits)} warned ({', '.join(summary.warned_audits)})" \
        if summary.warned_audits else ""
    play_by_play = f" ({summary.play_by_play_games} for play-by-play)" if summary.play_by_play_games else ""
    return (f"{rows} raw rows, {summary.api_requests} API requests{play_by_play}, "
            f"{audits - len(summary.warned_audits)} audits passed{warned}")
