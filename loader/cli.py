"""The command line, ``nba-elt`` (also ``python -m loader``).

Every error a user can cause or meet (bad settings, no database, a blocked API, failed
audits) ends here in one sentence and a non-zero exit code, never a bare traceback.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import sys
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from loader.database import DatabaseUnavailable, first_line
from loader.nba_stats.helpers import StatsAPIError, StatsClient
from loader.ops.logs import LOG_FILE, configure_logging, set_run_id
from loader.settings import ConfigError, Settings

if TYPE_CHECKING:
    from loader.runs.steps import RunSummary

logger = logging.getLogger("loader.cli")

EXIT_FAILED = 1
EXIT_CONFIG = 2
#: EX_TEMPFAIL: another run holds the database; try again later.
EXIT_BUSY = 75
#: ``nba-elt status``: the exit code of each health, for monitors (nothing recorded yet warns,
#: as does a DuckDB file a run holds; a database that cannot be reached fails).
STATUS_EXIT_CODES = {"ok": 0, "warn": 1, "unknown": 1, "fail": 2}


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    configure_logging()
    try:
        return int(args.handler(args))
    except ConfigError as error:
        logger.error("%s", error)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        logger.error("interrupted")
        return 130
    except Exception as error:  # any command's unforeseen failure: one sentence, the traceback to the file
        logger.error("nba-elt %s failed: %s. The traceback is in %s.", args.command, root_cause(error), LOG_FILE)
        logger.debug("nba-elt %s failed", args.command, exc_info=error)
        return EXIT_FAILED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nba-elt", description="Keep an analytics database of NBA games, team and player box scores "
        "in step with the NBA Stats API, and prove on every run that the data is whole.",
        epilog="`nba-elt COMMAND --help` describes each command. Settings come from the environment "
               "(NBA_TARGET, NBA_DUCKDB_PATH, DATABASE_URL, NBA_SEASON, ...): the README lists them.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    elt = _command(commands, "elt", help="sync the season from the stats API, build the marts, run the audits")
    elt.add_argument("--resync-season", action="store_true",
                     help="ignore the watermark: re-fetch the whole season (stat corrections older than the lookback)")
    elt.set_defaults(handler=_elt)

    backfill = _command(
        commands, "backfill", help="load every season from --from to --to (resumable), then build and audit the marts")
    backfill.add_argument("--from", dest="first", default="1946-47", help="the oldest season, e.g. 1946-47")
    backfill.add_argument("--to", dest="last", default=None, help="the newest season (default: NBA_SEASON)")
    backfill.add_argument("--season-types", default=None,
                          help="comma-separated, e.g. 'Regular Season,Playoffs' (default: NBA_SEASON_TYPES)")
    backfill.add_argument("--play-by-play", action="store_true",
                          help="also every completed game's play-by-play, 1996-97 on: one request a game, "
                               "some 1,230 a season (about half an hour at the default pacing); resumable per game")
    backfill.set_defaults(handler=_backfill)

    preflight = _command(commands, "preflight", help="check that the database and the stats API answer")
    preflight.set_defaults(handler=_preflight)

    fake = _command(commands, "fake-api", help="serve a synthetic league in the stats API's wire format")
    fake.add_argument("--port", type=int, default=8765, help="the loopback port to listen on (0: any free one)")
    fake.add_argument("--seasons", default="2024-25", help="comma-separated, e.g. 2023-24,2024-25")
    fake.add_argument("--now", type=date.fromisoformat, default=date(2025, 2, 15),
                      help="the fake clock: games before this date are final")
    fake.add_argument("--seed", type=int, default=0, help="the synthetic league's random seed")
    fake.set_defaults(handler=_fake_api)

    demo = _command(commands, "demo", help="offline: run the whole ELT against the fake API into demo.duckdb")
    demo.add_argument("--path", default="demo.duckdb", help="the DuckDB file to fill")
    demo.set_defaults(handler=_demo)

    status = _command(
        commands, "status", help="the last run, freshness, rows per mart and every audit's last result",
        description="The system's health as the flight recorder (audit.pipeline_audit) and the marts tell it. "
                    "Exit code, for monitors: 0 healthy, 1 warning (or nothing recorded yet, or a run holds "
                    "the DuckDB file), 2 failing (a failed run or audit, or no database).")
    status.add_argument("--json", action="store_true", help="print the status as JSON, for machines")
    status.set_defaults(handler=_status)

    dbt = _command(
        commands, "dbt", help="run any dbt command against the configured database, e.g. nba-elt dbt test",
        description="dbt, pointed at the database the settings name (NBA_TARGET, NBA_DUCKDB_PATH, "
                    "DATABASE_URL parsed once), with the project's profile and vars.")
    dbt.add_argument("dbt_args", nargs=argparse.REMAINDER, help="the dbt command and its options")
    dbt.set_defaults(handler=_dbt)

    serve = _command(commands, "serve", help="serve the status as JSON (/api/v1/system/status) and the Pulse page (/)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="where to listen; beyond loopback the page needs NBA_STATUS_TOKEN, or --public")
    serve.add_argument("--port", type=int, default=8000, help="the port to listen on")
    serve.add_argument("--public", action="store_true",
                       help="serve beyond loopback without a token: the page shows host names, pids, paths, errors")
    serve.set_defaults(handler=_serve)
    return parser


def _command(commands: Any, name: str, help: str, **options: Any) -> argparse.ArgumentParser:
    """A subcommand whose --help page says what it does and shows every option's default."""
    options.setdefault("description", help[0].upper() + help[1:] + ".")
    parser: argparse.ArgumentParser = commands.add_parser(
        name, help=help, formatter_class=argparse.ArgumentDefaultsHelpFormatter, **options)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nba-elt")
    except PackageNotFoundError:
        return "(not installed)"


def _elt(args: argparse.Namespace) -> int:
    from loader.runs.nightly import run_elt

    settings = Settings.from_env()
    run_id = _start_run()
    logger.info("syncing season %s into %s from %s", settings.season, settings.database_label, settings.base_url)
    return _report("run", run_id, lambda: run_elt(settings, run_id=run_id, resync_season=args.resync_season))


def _backfill(args: argparse.Namespace) -> int:
    from loader.runs.backfill import run_backfill
    from loader.settings import parse_season_types

    settings = Settings.from_env()
    season_types = parse_season_types(args.season_types) if args.season_types else None
    run_id = _start_run()
    logger.info("backfilling %s to %s into %s from %s", args.first, args.last or settings.season,
                settings.database_label, settings.base_url)
    return _report("backfill", run_id,
                   lambda: run_backfill(settings, args.first, args.last, season_types, run_id=run_id,
                                        play_by_play=args.play_by_play))


def _dbt(args: argparse.Namespace) -> int:
    from loader.runs.dbt import invoke_dbt

    if not args.dbt_args:
        logger.error("Name a dbt command, e.g. `nba-elt dbt test`.")
        return EXIT_CONFIG
    outcome = invoke_dbt(Settings.from_env(), args.dbt_args)
    return 0 if outcome.success else EXIT_FAILED


def root_cause(error: BaseException) -> str:
    """The first line of the error at the bottom of ``error``'s chain, and its kind: dlt and
    dbt wrap a database's own words (database "nba" does not exist) in layers of their own."""
    deepest, seen = error, {id(error)}
    while (below := deepest.__cause__ or deepest.__context__) is not None and id(below) not in seen:
        deepest = below
        seen.add(id(below))
    return f"{first_line(deepest)} ({type(deepest).__name__})"


def _start_run() -> str:
    run_id = str(uuid.uuid4())
    set_run_id(run_id)
    return run_id


def _report(what: str, run_id: str, run: Callable[[], RunSummary]) -> int:
    """Run, and turn the failures a user can meet into one logged sentence and an exit code."""
    from loader.nba_stats.helpers import BadValueError, MissingColumnError
    from loader.ops.lock import LockLost, RunInProgress
    from loader.runs.dbt import TransformError
    from loader.runs.steps import AuditsFailed, PreflightFailed

    try:
        summary = run()
    except RunInProgress as error:
        logger.error("%s", error)
        return EXIT_BUSY
    except (PreflightFailed, AuditsFailed, StatsAPIError, MissingColumnError, BadValueError, DatabaseUnavailable,
            TransformError, LockLost) as error:
        logger.error("%s", error)
        return EXIT_FAILED
    except Exception as error:
        logger.error("The %s failed: %s. The traceback is in %s and in the run's audit row.",
                     what, root_cause(error), LOG_FILE)
        logger.debug("the %s failed", what, exc_info=error)  # to the file only
        return EXIT_FAILED
    logger.info("%s %s: %s; %d API requests; rows %s", what, run_id, summary.status, summary.api_requests,
                summary.rows_per_table)
    return 0


def _preflight(args: argparse.Namespace) -> int:
    from loader.ops.audit import Recorder
    from loader.ops.preflight import run_checks

    settings = Settings.from_env()
    recorder = Recorder(settings)
    set_run_id(recorder.run_id)
    with StatsClient(settings) as client:
        results = run_checks(settings, client)
    for result in results:
        recorder.record("preflight", result.name, "success" if result.ok else "fail", message=result.message)
        print(f"{'ok  ' if result.ok else 'FAIL'} {result.name}: {result.message}")
    return 0 if all(result.ok for result in results) else EXIT_FAILED


def _fake_api(args: argparse.Namespace) -> int:
    from fake_stats.server import serve_forever

    def ready(base_url: str) -> None:
        print(f"fake stats API at {base_url}, its clock at {args.now} (games before it are final).\n"
              f"Point nba-elt at it:  export NBA_STATS_BASE_URL={base_url}  (Ctrl-C stops it)", flush=True)

    serve_forever(port=args.port, seasons=args.seasons.split(","), now=args.now, seed=args.seed, on_ready=ready)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from loader.demo import run_demo

    return run_demo(args.path)


def _status(args: argparse.Namespace) -> int:
    import json

    from loader.ops.status import StatusUnavailable, collect_status

    settings = Settings.from_env()
    try:
        status = collect_status(settings)
    except StatusUnavailable as error:
        logger.error("%s", error)
        return STATUS_EXIT_CODES["warn" if error.busy else "fail"]
    if args.json:
        print(json.dumps(status, indent=2))
    else:
        print(_status_table(status))
    return STATUS_EXIT_CODES[status["health"]]


def _status_table(status: dict[str, Any]) -> str:
    """The status as a person reads it in a terminal: the lights first, then the detail; the
    passing audits as a count, the others one by one with what they found."""
    last_run, last_sync, freshness = status["last_run"], status["last_successful_sync"], status["freshness"]
    lines = [
        f"nba-elt status: {status['health'].upper()}  (data of season {freshness['latest_season'] or 'none'}, "
        f"syncing {status['season']}; {status['target']} {status['database']}; as of {status['generated_at']} UTC)",
        "",
        f"  last run               {last_run['status'] if last_run else 'none'}"
        + (f"  {last_run['run_id']}  started {last_run['started_at']}  finished {last_run['finished_at'] or '-'}"
           f"\n                         {last_run['message'] or ''}" if last_run else ""),
        f"  last successful sync   {last_sync['finished_at'] if last_sync else 'never'}",
        f"  latest completed game  {freshness['latest_completed_game_date'] or 'none'}",
        f"  latest load            {freshness['latest_load_at'] or 'none'}",
        "  source freshness       " + (f"{freshness['sources_status']}  (" + ", ".join(
            f"raw.{source['table']} {source['age_hours']} h" for source in freshness["sources"]) + " since loaded)"
            if freshness["sources"] else "none loaded"),
    ]
    lines += [f"  WARNING: {warning}" for warning in status["warnings"]]
    lines += ["", "pre-flight checks (the last of each)"]
    lines += [f"  {check['status']:<8} {check['name']:<12} {check['at']}  {check['message'] or ''}".rstrip()
              for check in status["preflight_checks"]] or ["  none recorded yet"]
    lines += ["", "rows per mart"]
    lines += [
        f"  nba.{table:<20} {'-' if rows is None else rows:>10}" for table, rows in status["rows_per_mart"].items()
    ]
    checks = status["audit_checks"]
    passing = [check for check in checks if check["status"] == "success"]
    lines += ["", f"audits: {len(passing)} of {len(checks)} passing" if checks else "audits: none recorded yet"]
    lines += [f"  {check['status']:<8} {check['name']}  failures={check['failures']}  {check['at']}"
              + (f"\n           {check['message']}" if check["message"] else "")
              for check in checks if check["status"] != "success"]
    lines += ["", "recent runs"]
    lines += [
        f"  {run['status']:<10} {run['run_id']}  {run['started_at']}  "
        f"{'-' if run['seconds'] is None else run['seconds']}s  {run['name']}"
        for run in status["recent_runs"]
    ] or ["  none recorded yet"]
    return "\n".join(lines)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from loader.ops.web import create_app

    settings = Settings.from_env()
    token = os.environ.get("NBA_STATUS_TOKEN") or None
    if not _is_loopback(args.host) and not token and not args.public:
        logger.error("serve --host %s reaches beyond this machine, and the page shows host names, pids, paths "
                     "and error messages: set NBA_STATUS_TOKEN (clients send it as a bearer token or ?token=), "
                     "or pass --public to serve it to anyone.", args.host)
        return EXIT_CONFIG
    if args.public and not token and not _is_loopback(args.host):
        logger.warning("serving the Pulse to anyone who reaches %s:%d, without a token (--public)",
                       args.host, args.port)
    logger.info("the Pulse on http://%s:%d/ (status JSON at /api/v1/system/status)%s, reading %s",
                args.host, args.port, ", token required" if token else "", settings.database_label)
    uvicorn.run(create_app(settings, token), host=args.host, port=args.port, log_config=None)
    return 0


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


if __name__ == "__main__":
    sys.exit(main())
