"""Pre-flight checks, before any data moves: does the database answer, does the API?

Both fail in seconds with one sentence that says what to fix, rather than minutes into a
load: a blocked IP makes stats.nba.com hang rather than refuse, so the heartbeat has its
own short timeout and no retries.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from loader.database import DatabaseUnavailable, connect
from loader.nba_stats.helpers import DNS, REFUSED, TIMEOUT, StatsAPIBlocked, StatsAPIError, StatsClient
from loader.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    message: str


def check_database(settings: Settings) -> CheckResult:
    """``SELECT 1`` on the target."""
    try:
        with connect(settings) as database:
            database.scalar("select 1")
    except DatabaseUnavailable as error:
        return CheckResult("database", False, str(error))
    return CheckResult("database", True, f"{settings.target} at {settings.database_label} answers")


def check_api(settings: Settings, client: StatsClient) -> CheckResult:
    """The heartbeat endpoint answers with JSON within ``NBA_HEARTBEAT_TIMEOUT``."""
    try:
        teams = client.heartbeat()
    except StatsAPIBlocked:
        return CheckResult(
            "stats_api", False,
            f"The stats API at {settings.base_url} is blocking this IP (403 Forbidden to the heartbeat).",
        )
    except StatsAPIError as error:
        return CheckResult("stats_api", False, _unreachable(settings, error))
    return CheckResult("stats_api", True, f"{settings.base_url} answers ({teams} team-years)")


def _unreachable(settings: Settings, error: StatsAPIError) -> str:
    """Why the heartbeat failed, in the sentence that says what to look at."""
    host = urlsplit(settings.base_url).netloc
    if error.kind == DNS:
        return (f"The stats API's host name {urlsplit(settings.base_url).hostname!r} does not resolve (DNS): "
                "check NBA_STATS_BASE_URL and this machine's network.")
    if error.kind == REFUSED:
        return (f"Nothing accepts connections at {host} (connection refused): check NBA_STATS_BASE_URL, "
                "or start the API there.")
    if error.kind == TIMEOUT:
        return (f"The stats API at {settings.base_url} did not answer within {settings.heartbeat_timeout:g} s: "
                "it is down, or blocking this IP (stats.nba.com stalls clients it blocks).")
    return f"The stats API at {settings.base_url} did not answer the heartbeat: {error}"


def run_checks(settings: Settings, client: StatsClient) -> list[CheckResult]:
    """The database first: with no database there is nowhere to record the API's answer."""
    results = [check_database(settings)]
    if results[0].ok:
        results.append(check_api(settings, client))
    for result in results:
        (logger.info if result.ok else logger.error)("preflight %s: %s", result.name, result.message)
    return results
