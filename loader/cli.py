"""The command line, ``nba-elt`` (also ``python -m loader``).

Every error a user can cause or meet (bad settings, no database, a blocked API, failed
audits) ends here in one sentence and a non-zero exit code, never a bare traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
import uuid
from collections.abc import Sequence
from datetime import date

from loader.client import StatsAPIError, StatsClient
from loader.database import DatabaseUnavailable
from loader.logs import configure_logging, set_run_id
from loader.settings import ConfigError, Settings

logger = logging.getLogger("loader.cli")

EXIT_FAILED = 1
EXIT_CONFIG = 2
#: EX_TEMPFAIL: another run holds the database; try again later.
EXIT_BUSY = 75


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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nba-elt", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    elt = commands.add_parser("elt", help="sync the season from the stats API, build the marts, run the audits")
    elt.set_defaults(handler=_elt)

    preflight = commands.add_parser("preflight", help="check that the database and the stats API answer")
    preflight.set_defaults(handler=_preflight)

    fake = commands.add_parser("fake-api", help="serve a synthetic league in the stats API's wire format")
    fake.add_argument("--port", type=int, default=8765)
    fake.add_argument("--seasons", default="2024-25", help="comma-separated, e.g. 2023-24,2024-25")
    fake.add_argument("--now", type=date.fromisoformat, default=date(2025, 2, 15),
                      help="the fake clock: games before this date are final")
    fake.add_argument("--seed", type=int, default=0)
    fake.set_defaults(handler=_fake_api)

    demo = commands.add_parser("demo", help="offline: run the whole ELT against the fake API into demo.duckdb")
    demo.add_argument("--path", default="demo.duckdb", help="the DuckDB file to fill")
    demo.set_defaults(handler=_demo)
    return parser


def _elt(args: argparse.Namespace) -> int:
    from loader.lock import RunInProgress
    from loader.pipeline import AuditsFailed, PreflightFailed, run_elt

    settings = Settings.from_env()
    run_id = str(uuid.uuid4())
    set_run_id(run_id)
    logger.info("syncing season %s into %s from %s", settings.season, settings.database_label, settings.base_url)
    try:
        summary = run_elt(settings, run_id=run_id)
    except RunInProgress as error:
        logger.error("%s", error)
        return EXIT_BUSY
    except (PreflightFailed, AuditsFailed, StatsAPIError, DatabaseUnavailable) as error:
        logger.error("%s", error)
        return EXIT_FAILED
    except Exception as error:
        logger.exception("the run failed: %s", error)
        return EXIT_FAILED
    logger.info("run %s: %s; %d API requests; rows %s", run_id, summary.status, summary.api_requests,
                summary.rows_per_table)
    return 0


def _preflight(args: argparse.Namespace) -> int:
    from loader.audit import Recorder
    from loader.preflight import run_checks

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

    serve_forever(port=args.port, seasons=args.seasons.split(","), now=args.now, seed=args.seed)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from loader.demo import run_demo

    return run_demo(args.path)


if __name__ == "__main__":
    sys.exit(main())
