"""One nightly run, end to end: pre-flight, extract-load with dlt, dbt models, dbt audits.

Each step leaves a row in ``audit.pipeline_audit``; the run's own row opens first and is
closed last, whatever happens in between (an exception, Ctrl-C), so the flight recorder
never shows a run as running once its process is gone.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import socket
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

import dlt
from dlt.common.destination import TLoaderFileFormat
from dlt.common.schema.typing import TWriteDisposition

from loader.audit import Recorder, record_set_aside_rows
from loader.client import StatsClient
from loader.columnar import DLT_COLUMN_SETTINGS
from loader.database import connect, dlt_destination
from loader.lock import RunInProgress, RunLock, run_lock
from loader.preflight import run_checks
from loader.raw_keys import remove_repeated_keys
from loader.reconcile import describe_stale, schedule_disagreements
from loader.schedule import changed_games, schedule_games
from loader.settings import Settings
from loader.source import SyncPlan, fetch_game_logs, has_repeated_keys, nba_stats, plan_sync
from loader.transform import DbtResult, TransformError, run_dbt
from loader.watermark import (
    read_box_score_gaps,
    read_held_matches,
    read_schedule_hashes,
    read_watermark,
    seasons_in_raw,
)

logger = logging.getLogger(__name__)

RAW_DATASET = "raw"
#: How dlt hands rows to each destination: DuckDB reads parquet files straight into its
#: tables (the Arrow tables pass through untouched); PostgreSQL takes dlt's INSERT batches.
_FILE_FORMATS: dict[str, TLoaderFileFormat] = {"duckdb": "parquet", "postgres": "insert_values"}
_DISPOSITION_WORDS = {"merge": "merged on natural keys", "append": "appended: seasons new to raw"}
#: dlt's settings for every load, by environment variable: the Arrow path's lineage
#: columns, and no gzip for dlt's files, which live only as long as the load (gzip would be
#: paid on writing and again on reading them, for nothing kept).
_DLT_SETTINGS = {**DLT_COLUMN_SETTINGS, "DATA_WRITER__DISABLE_COMPRESSION": "true"}


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while game logs are parsed and loaded.

    A season's player log parses into some 30,000 row lists; the collector, started by
    every 700 new containers, walks them, and everything older, again and again, although
    none is part of a cycle: reference counting frees them all. Paused, the 30-season
    extract-load of ``make bench`` took about a fifth less time (33 to 35 s instead of 42
    to 44 s, side by side), and the whole backfill 53 s instead of 64 s, at the same peak.
    A backfill collects once after each load (``gc.collect()``), so that the few cycles
    dlt leaves do not pile up.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class PreflightFailed(RuntimeError):
    """A pre-flight check failed; nothing was loaded."""


class AuditsFailed(RuntimeError):
    """The data loaded, but at least one audit (dbt test) failed."""


@dataclass
class RunSummary:
    """What a run did, for the command line and the tests."""

    run_id: str
    status: str = "running"
    plan: SyncPlan | None = None
    rows_per_table: dict[str, int] = field(default_factory=dict)
    api_requests: int = 0
    audits: DbtResult | None = None
    column_changes: dict[str, list[str]] = field(default_factory=dict)
    #: What a load found wrong in raw and put right (copies of keys removed).
    repairs: list[str] = field(default_factory=list)

    @property
    def failed_audits(self) -> list[str]:
        return self._audits_with("fail", "error")

    @property
    def warned_audits(self) -> list[str]:
        return self._audits_with("warn")

    @property
    def outcome(self) -> str:
        """How a run that got to its end went: ``warn`` when the API changed its columns, an
        audit warned (a box score still to come, a stat left out) or a load repaired raw,
        else ``success``."""
        return "warn" if self.column_changes or self.warned_audits or self.repairs else "success"

    def _audits_with(self, *statuses: str) -> list[str]:
        if self.audits is None:
            return []
        return [node.name for node in self.audits.nodes if node.status in statuses]


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
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
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
        lock.verify("building the marts")
        build_marts(settings, recorder)
        if audit:
            lock.verify("running the audits")
            run_audits(settings, recorder, summary, today)
    except BaseException as error:
        summary.status = "fail" if isinstance(error, AuditsFailed | PreflightFailed) else "error"
        recorder.finish(run_event, summary.status, message=str(error) or type(error).__name__,
                        error=None if summary.status == "fail" else error,
                        api_requests=client.request_count, rows_per_table=summary.rows_per_table)
        raise
    finally:
        if own_client:
            client.close()
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


@dataclass(frozen=True)
class RawLoad:
    """One dlt load into ``raw``: its id, rows per table, whether it merged or appended, and
    the copies of keys it found in raw and removed (loader.raw_keys)."""

    load_id: str | None = None
    rows: dict[str, int] = field(default_factory=dict)
    write_disposition: TWriteDisposition = "merge"
    copies_removed: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        return _DISPOSITION_WORDS[self.write_disposition]

    def record_repairs(self, recorder: Recorder, summary: RunSummary) -> None:
        """A ``warn`` row, and a run that ends ``warn``, where copies of keys were removed."""
        if not self.copies_removed:
            return
        repair = "raw held copies of keys it already had, removed (the newest kept): " + ", ".join(
            f"{count} in raw.{table}" for table, count in sorted(self.copies_removed.items()))
        summary.repairs.append(repair)
        recorder.record("audit_check", "raw_keys_unique", "warn", message=repair)


def load_raw(settings: Settings, plans: Sequence[SyncPlan]) -> RawLoad:
    """Load what was fetched for ``plans`` (one per season) into dataset ``raw`` as one dlt load.

    The load merges on natural keys, unless raw holds no row of any of its seasons and no
    key comes twice in it: then it appends, which spares dlt's staging tables and merge
    (most of a backfill's load time). Append is as safe as the merge here. The run lock
    keeps other writers out until the load ends, and the load ends by removing any copy of
    a key in its seasons, whatever put it there (loader.raw_keys). A load killed halfway
    leaves rows of its seasons behind, so the next load of those seasons merges.

    dlt's working folder is thrown away after each run: the watermark lives in the
    database, so nothing local can drift from what the destination holds.
    """
    for name, value in _DLT_SETTINGS.items():
        os.environ.setdefault(name, value)  # whoever sets one explicitly keeps the last word
    with connect(settings) as database:
        loaded_before = seasons_in_raw(database, [plan.season for plan in plans])
    write_disposition: TWriteDisposition = "merge" if loaded_before or has_repeated_keys(plans) else "append"
    with tempfile.TemporaryDirectory(prefix="nba-elt-dlt-") as pipelines_dir:
        pipeline = dlt.pipeline(
            pipeline_name="nba_stats",
            destination=dlt_destination(settings),
            dataset_name=RAW_DATASET,
            pipelines_dir=pipelines_dir,
        )
        info = pipeline.run(nba_stats(plans, write_disposition), loader_file_format=_FILE_FORMATS[settings.target])
        trace = pipeline.last_trace
        normalize_info = trace.last_normalize_info if trace else None
        row_counts = dict(normalize_info.row_counts) if normalize_info else {}
    with connect(settings) as database:
        copies_removed = remove_repeated_keys(database, [plan.season for plan in plans])
    load = RawLoad(info.loads_ids[0] if info.loads_ids else None,
                   {table: count for table, count in row_counts.items() if not table.startswith("_dlt")},
                   write_disposition, copies_removed)
    logger.info("loaded %s (load id %s, %s)", load.rows, load.load_id, load.describe())
    return load


def build_marts(settings: Settings, recorder: Recorder) -> None:
    event = recorder.start("transform", "dbt run")
    try:
        result = run_dbt(settings, "run")
        if not result.success:
            failed = [f"{node.name}: {node.message}" for node in result.nodes if node.status == "error"]
            raise TransformError("dbt run failed: " + "; ".join(failed))
    except BaseException as error:
        recorder.finish(event, "error", message=str(error), error=error)
        raise
    recorder.finish(event, "success", load_id=result.invocation_id,
                    message=f"{len(result.nodes)} models built")


def run_audits(settings: Settings, recorder: Recorder, summary: RunSummary, today: date) -> None:
    """Run the audits, judging by ``today`` (a game final since yesterday may still wait for
    its box score). dbt's on-run-end hook (macros/record_audit_results.sql) writes one
    ``audit_check`` row per test, under this run's id, read from ``NBA_RUN_ID``."""
    result = run_dbt(settings, "test", environment={"NBA_RUN_ID": recorder.run_id,
                                                    "NBA_AUDIT_DATE": today.isoformat()})
    # The project's hooks are nodes of the run too: count one only when it failed (then its
    # rows were not recorded).
    audits = [node for node in result.nodes if node.resource_type != "operation" or node.status != "success"]
    summary.audits = DbtResult(result.success, result.invocation_id, audits)
    if summary.failed_audits:
        raise AuditsFailed(
            f"{len(summary.failed_audits)} audit(s) failed: {', '.join(summary.failed_audits)}; "
            "the data is loaded, see audit.pipeline_audit."
        )
    if not result.success:
        raise TransformError("dbt test could not run; see logs/dbt/dbt.log")


def _describe(summary: RunSummary) -> str:
    audits = len(summary.audits.nodes) if summary.audits else 0
    rows = sum(summary.rows_per_table.values())
    warned = f", {len(summary.warned_audits)} warned ({', '.join(summary.warned_audits)})" \
        if summary.warned_audits else ""
    return (f"{rows} raw rows, {summary.api_requests} API requests, "
            f"{audits - len(summary.warned_audits)} audits passed{warned}")
