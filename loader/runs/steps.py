"""The steps a nightly run and a backfill share: the load into raw, the marts, the audits, and
what a run reports.

Each step leaves a row in ``audit.pipeline_audit``, opened as it starts and closed as it
ends, whatever happens in between.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import gc
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import dlt
import pyarrow as pa
import pyarrow.csv as pa_csv
from dlt.common.destination import TLoaderFileFormat
from dlt.common.libs.pyarrow import get_normalized_arrow_fields_mapping, remove_null_columns
from dlt.common.pipeline import LoadInfo
from dlt.common.schema.typing import C_DLT_LOAD_ID, TWriteDisposition
from dlt.common.utils import uniq_id
from dlt.sources import DltSource

from loader.database import Database, connect, dlt_destination
from loader.nba_stats import nba_stats
from loader.nba_stats.settings import GAME_ID, GAME_LOGS, PLAY_BY_PLAY_TABLE, SCHEDULE_TABLE, SEASON_TYPE_DIGITS
from loader.ops.audit import Recorder
from loader.runs.dbt import DbtResult, TransformError, run_dbt
from loader.runs.plan import SyncPlan, fetched
from loader.runs.raw_keys import remove_repeated_keys
from loader.runs.state import games_in_raw, seasons_in_raw
from loader.settings import Settings

logger = logging.getLogger(__name__)

RAW_DATASET = "raw"
#: How dlt hands each load to each destination: DuckDB reads parquet files straight into
#: its tables; PostgreSQL takes CSV files through ``COPY ... FROM STDIN`` (dlt's csv loader
#: format) instead of dlt's INSERT batches, about twice as fast (benchmarks/README.md). CSV
#: has one word for an empty text and for none, and dlt loads both as null into a nullable
#: column, which is why the game logs' empty texts load as nulls on both targets
#: (loader.nba_stats.columnar). The Arrow tables' CSV files are written by the loader
#: (_CsvFromArrow); the schedule's rows are dicts, and dlt's CSV writer counts a dict's
#: values as rows: their counts come from the files (_csv_row_counts).
_FILE_FORMATS: dict[str, TLoaderFileFormat] = {"duckdb": "parquet", "postgres": "csv"}
_DISPOSITION_WORDS = {"merge": "merged on natural keys", "append": "appended: seasons new to raw"}
#: dlt's settings for every load, in one place, set for the load alone
#: (``dlt.config.values``), so that nothing is left behind in the process (an explicit
#: environment variable, ``NORMALIZE__...``, still has the last word). The Arrow tables of
#: loader.nba_stats.columnar bring their own ``_dlt_id`` (dlt would otherwise rewrite every
#: file to add its own) and get dlt's ``_dlt_load_id``, like rows do; dlt's files live only
#: as long as the load, so no gzip (paid on writing and again on reading, for nothing kept).
#: dlt's runtime settings (telemetry) are read earlier, when dlt starts: see loader/__init__.py.
DLT_SETTINGS = {
    "normalize.parquet_normalizer.add_dlt_load_id": True,
    "normalize.parquet_normalizer.add_dlt_id": False,
    "data_writer.disable_compression": True,
}


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while game logs are parsed and loaded.

    A season's player log parses into some 30,000 row lists; the collector, started by
    every 700 new containers, walks them, and everything older, again and again, although
    none is part of a cycle: reference counting frees them all. Paused, the 30-season
    extract-load of ``make bench`` takes about a fifth less time at the same peak
    (benchmarks/README.md).
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
    #: Games whose play-by-play the run loaded.
    play_by_play_games: int = 0

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


@dataclass(frozen=True)
class RawLoad:
    """One dlt load into ``raw``: its id, rows per table, whether it merged or appended, and
    the copies of keys it found in raw and removed (loader.runs.raw_keys)."""

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
    a key in its seasons, whatever put it there (loader.runs.raw_keys). A load killed halfway
    leaves rows of its seasons behind, so the next load of those seasons merges.

    dlt's working folder is thrown away after each run: the watermark lives in the
    database, so nothing local can drift from what the destination holds.
    """
    with connect(settings) as database:
        loaded_before = seasons_in_raw(database, [plan.season for plan in plans])
    write_disposition: TWriteDisposition = "merge" if loaded_before or has_repeated_keys(plans) else "append"
    source = nba_stats([plan.games for plan in plans],
                       {log.table: list(fetched(plans, log.table)) for log in GAME_LOGS}, write_disposition)
    load_id, rows = _run_pipeline(settings, source, lambda table: settings.load_path == "rows"
                                  or table == SCHEDULE_TABLE or table.startswith(f"{SCHEDULE_TABLE}__"))
    with connect(settings) as database:
        copies_removed = remove_repeated_keys(database, [plan.season for plan in plans],
                                              rows if write_disposition == "append" else None)
        fill_season_types(database)
    load = RawLoad(load_id, rows, write_disposition, copies_removed)
    logger.info("loaded %s (load id %s, %s)", load.rows, load.load_id, load.describe())
    return load


def load_play_by_play(settings: Settings, games: Sequence[pa.Table]) -> RawLoad:
    """Games' play-by-play (a table of actions each) into ``raw.play_by_play_actions`` as one
    dlt load, which replaces each of these games' actions whole.

    Where raw holds no action of any of these games (a backfill's games, by construction)
    the load appends, which spares dlt's staging table and its delete: as safe as the
    merge, since the run lock keeps other writers out and each table of a load is written
    in one statement, so a killed load leaves none of its games' actions, or all.
    """
    game_ids = sorted({game_id for table in games for game_id in table.column("game_id").unique().to_pylist()})
    with connect(settings) as database:
        disposition: TWriteDisposition = "merge" if games_in_raw(database, game_ids) else "append"
    source = nba_stats(play_by_play_batches=list(games), play_by_play_disposition=disposition)
    load_id, rows = _run_pipeline(settings, source.with_resources(PLAY_BY_PLAY_TABLE), lambda table: False)
    load = RawLoad(load_id, rows, disposition)
    logger.info("loaded the play-by-play of %d games: %s (load id %s)", len(games), load.rows, load.load_id)
    return load


def _run_pipeline(
    settings: Settings, source: DltSource, of_dicts: Callable[[str], bool],
) -> tuple[str | None, dict[str, int]]:
    """One dlt load of ``source`` into ``raw``: its id and the rows it brought per table.
    ``of_dicts``: the tables whose rows are dicts (their counts come from the files)."""
    with tempfile.TemporaryDirectory(prefix="nba-elt-dlt-") as pipelines_dir, dlt.config.values(DLT_SETTINGS):
        pipeline = dlt.pipeline(
            pipeline_name="nba_stats",
            destination=dlt_destination(settings),
            dataset_name=RAW_DATASET,
            pipelines_dir=pipelines_dir,
        )
        file_format = _FILE_FORMATS[settings.target]
        csv_files = _CsvFromArrow(pipelines_dir) if file_format == "csv" else None
        # Per resource: ``pipeline.run(loader_file_format=...)`` would also set dlt's own tables'.
        for resource in source.resources.selected.values():
            resource.apply_hints(file_format=file_format)
            if csv_files:
                resource.add_map(functools.partial(csv_files.write, resource.name))
        info = pipeline.run(source)
        trace = pipeline.last_trace
        normalize_info = trace.last_normalize_info if trace else None
        row_counts = dict(normalize_info.row_counts) if normalize_info else {}
        row_counts.update(csv_files.rows if csv_files else {})
        row_counts.update(_csv_row_counts(info, of_dicts))
    return (info.loads_ids[0] if info.loads_ids else None,
            {table: count for table, count in row_counts.items() if not table.startswith("_dlt")})


class _CsvFromArrow:
    """Arrow tables written as the CSV files of PostgreSQL's COPY, handed to dlt as they are.

    dlt extracts an Arrow table to parquet, and for a destination that takes CSV its
    normaliser reads the parquet back and writes the CSV: the rows are written twice and
    read once more before COPY reads them. Here the CSV is written once, straight from the
    table, and goes to dlt as an imported file (``dlt.mark.with_file_import``) with the
    table as its hints, so that dlt derives the table's columns from the table exactly as
    before. The file is what dlt's csv writer would have written (pyarrow's writer, quoting
    only where needed, the names as dlt normalises them, no column of nulls only) with the
    load's ``_dlt_load_id``, which dlt would have added (DLT_SETTINGS). dlt counts no rows
    in an imported file: ``rows`` has them, per table.
    """

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.rows: dict[str, int] = {}

    def write(self, table_name: str, item: Any) -> Any:
        """``item`` as a CSV file to import, if it is a table with rows; else as it is."""
        if not isinstance(item, pa.Table) or not item.num_rows:
            return item  # dlt's marker of a table without rows, or an empty table: dlt's own way
        table = remove_null_columns(item)
        names = get_normalized_arrow_fields_mapping(table.schema, dlt.current.source_schema().naming)
        table = table.rename_columns([names[name] for name in table.column_names]).append_column(
            pa.field(C_DLT_LOAD_ID, pa.string(), nullable=False),
            pa.array([dlt.current.load_package_state()["load_id"]] * table.num_rows, pa.string()))
        path = os.path.join(self.folder, f"{table_name}.{uniq_id()}.csv")
        pa_csv.write_csv(table, path, write_options=pa_csv.WriteOptions(quoting_style="needed"))
        self.rows[table_name] = self.rows.get(table_name, 0) + table.num_rows
        return dlt.mark.with_file_import(path, "csv", items_count=table.num_rows, hints=item)


def _csv_row_counts(info: LoadInfo, of_dicts: Callable[[str], bool]) -> dict[str, int]:
    """The rows of the CSV files a load wrote for the tables of dict rows, counted in the files.

    dlt 1.31's CSV writer adds a dict row's number of values to its row count
    (``CsvWriter.write_data``: ``items_count += sum(len(row) for row in items)``), so its
    normalize counts are off for those tables; the audit records what a load brought. The
    files are read while the load's folder still exists (dlt keeps completed jobs).
    """
    counts: dict[str, int] = {}
    for package in info.load_packages:
        for job in package.jobs.get("completed_jobs", []):
            table = job.job_file_info.table_name
            if job.job_file_info.file_format == "csv" and of_dicts(table):
                with open(job.file_path, newline="", encoding="utf-8") as rows:
                    counts[table] = counts.get(table, 0) + max(sum(1 for _ in csv.reader(rows)) - 1, 0)  # the header
    return counts


def fill_season_types(database: Database) -> None:
    """Give ``raw.schedule_games.season_type`` to the rows loaded before the loader wrote it.

    The loader writes each game's season type (loader.nba_stats.settings.season_type_of);
    rows of seasons loaded by an earlier version lack it, and dbt reads nothing else. Once
    filled, this finds nothing to do.
    """
    if not database.column_exists("raw", SCHEDULE_TABLE, "season_type"):
        return
    digits = " ".join(f"when '{digit}' then '{name}'" for name, digit in SEASON_TYPE_DIGITS.items())
    database.execute(f"update raw.{SCHEDULE_TABLE} set season_type = case substr(game_id, 3, 1) {digits} end "
                     "where season_type is null")


def has_repeated_keys(plans: Sequence[SyncPlan]) -> bool:
    """Whether a natural key comes twice in what ``plans`` fetched, within a table.

    Appending such a load would keep both rows; only a merge keeps one of each.
    """
    game_ids = [game[GAME_ID] for plan in plans for game in plan.games]
    if len(set(game_ids)) < len(game_ids):
        return True
    for log in GAME_LOGS:
        key = list(log.primary_key)
        batches = list(fetched(plans, log.table))
        tables = [batch.select(key) for batch in batches if isinstance(batch, pa.Table)]
        rows = [tuple(row.get(name) for name in key)
                for batch in batches if not isinstance(batch, pa.Table) for row in batch]
        if len(set(rows)) < len(rows):
            return True
        if tables:
            keys = pa.concat_tables(tables)
            if keys.group_by(key).aggregate([]).num_rows < keys.num_rows:
                return True
    return False



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
    event = recorder.start("audit", "dbt test")
    try:
        # The unit tests of the marts' SQL (models/marts/_marts__unit_tests.yml) prove the code,
        # not the night's data: `make test` runs them.
        result = run_dbt(settings, "test", "--exclude-resource-type", "unit_test",
                         environment={"NBA_RUN_ID": recorder.run_id, "NBA_AUDIT_DATE": today.isoformat()})
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
    except BaseException as error:
        failed = isinstance(error, AuditsFailed)
        recorder.finish(event, "fail" if failed else "error", message=str(error) or type(error).__name__,
                        error=None if failed else error, failures=len(summary.failed_audits))
        raise
    recorder.finish(event, "warn" if summary.warned_audits else "success", load_id=result.invocation_id,
                    failures=0, message=f"{len(audits)} audits run, {len(summary.warned_audits)} warned")
