"""Every setting of the pipeline, read from the environment in one place.

The loader, dbt (through ``profiles.yml``) and the status tools all read these same
variables, so a single ``export`` points every part of the project at the same database
and the same API. ``Settings.from_env()`` validates everything before any data moves: a
bad value ends in one sentence naming the variable to fix.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml

from loader.nba_stats.settings import DEFAULT_SEASON_TYPES, SYNCABLE_SEASON_TYPES
from loader.ops.redaction import redact, register_database_url, register_secret

#: How game logs reach dlt: Arrow tables (the default) or one dict per row (for comparison).
LOAD_PATHS = ("columnar", "rows")

#: What a desktop Chrome on nba.com sends. stats.nba.com drops or stalls requests that
#: look scripted, so these go on every request; they live here so they can change
#: (``NBA_USER_AGENT``) without a code change when the site starts rejecting them.
DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"
)

_CHECKOUT = Path(__file__).resolve().parent.parent
_IN_A_CHECKOUT = (_CHECKOUT / "dbt_project" / "dbt_project.yml").is_file()
#: Where the dbt project and profiles.yml are: the checkout's root, or the copy that an
#: installed package carries (``loader/_project``, made by setup.py when the wheel is built).
PROJECT_ROOT = _CHECKOUT if _IN_A_CHECKOUT else Path(__file__).resolve().parent / "_project"
#: Where runs keep their files (logs/, the default DuckDB file, dbt's artifacts), and what a
#: relative NBA_DUCKDB_PATH is relative to: the checkout's root, or, for an installed
#: package (``pip install .``), the folder ``nba-elt`` runs in.
REPO_ROOT = _CHECKOUT if _IN_A_CHECKOUT else Path.cwd()
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
#: dbt's artifacts: in the project's target/ in a checkout (as a plain dbt keeps them).
DBT_TARGET_ROOT = DBT_PROJECT_DIR / "target" if _IN_A_CHECKOUT else REPO_ROOT / "dbt-target"
_MARTS_YML = DBT_PROJECT_DIR / "models" / "marts" / "_marts.yml"


@functools.cache
def marts() -> dict[str, tuple[str, ...]]:
    """Every mart of schema ``nba`` with the columns of its primary key, in the order the
    dbt project documents them (``models/marts/_marts.yml``): the one list of marts, which
    the status, the demo and the tests read."""
    models = yaml.safe_load(_MARTS_YML.read_text())["models"]
    return {
        model["name"]: tuple(next(constraint["columns"] for constraint in model["constraints"]
                                  if constraint["type"] == "primary_key"))
        for model in models
    }


DEFAULT_DUCKDB_FILE = "nba_elt.duckdb"
#: The schemas the project writes (dlt's dataset, dbt's staging, marts and audit views, the
#: flight recorder), and the names DuckDB keeps for itself: DuckDB names a database after its
#: file, so a file called like one of them makes ``nba.matches`` ambiguous.
PROJECT_SCHEMAS = ("raw", "staging", "nba", "audit")
_RESERVED_CATALOGS = (*PROJECT_SCHEMAS, "main", "memory", "system", "temp")

_SEASON_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def season_in_progress(today: dt.date) -> str:
    """The season being played on ``today``: a season starts in October."""
    start = today.year if today.month >= 10 else today.year - 1
    return format_season(start)


def format_season(start_year: int) -> str:
    """``2025`` -> ``"2025-26"``."""
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def season_start_year(season: str) -> int:
    """``"2025-26"`` -> ``2025``, or a ConfigError for anything that is not a season."""
    match = _SEASON_PATTERN.match(season)
    if not match or format_season(int(match.group(1))) != season:
        raise ConfigError(
            f"NBA_SEASON={season!r} is not a season: write it as the API does, e.g. '2025-26'."
        )
    return int(match.group(1))


def browser_headers(user_agent: str) -> dict[str, str]:
    """The headers of a browser on www.nba.com fetching stats, as the site expects them."""
    return {
        "User-Agent": user_agent,
        "Accept": "application/json, text/plain, */*",
        "Accept-Language": "en-US,en;q=0.9",
        "Accept-Encoding": "gzip, deflate",
        "Referer": "https://www.nba.com/",
        "Origin": "https://www.nba.com",
        "Connection": "keep-alive",
        "Sec-Fetch-Site": "same-site",
        "Sec-Fetch-Mode": "cors",
        "Sec-Fetch-Dest": "empty",
    }


#: libpq parameters a DATABASE_URL may carry in its query string: those dbt-postgres can pass
#: on too, so that the loader, dlt and dbt connect alike.
POSTGRES_OPTIONS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "application_name", "connect_timeout",
                    "keepalives_idle")


@dataclass(frozen=True)
class PostgresConnection:
    """``DATABASE_URL``, parsed once (percent-decoded): what the loader, dlt and dbt connect with."""

    host: str
    port: int
    user: str
    password: str = field(repr=False)
    dbname: str
    #: The libpq parameters of the URL's query string (POSTGRES_OPTIONS), as (name, value).
    options: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        """``postgresql://user:***@host:port/dbname?sslmode=...``: where, with no password."""
        query = "&".join(f"{name}={value}" for name, value in self.options)
        secret = ":***" if self.password else ""
        where = f"postgresql://{self.user}{secret}@{self.host}:{self.port}/{self.dbname}"
        return f"{where}?{query}" if query else where

    def keywords(self) -> dict[str, str | int]:
        """psycopg2.connect's keyword arguments."""
        return {"host": self.host, "port": self.port, "user": self.user, "password": self.password,
                "dbname": self.dbname, **dict(self.options)}

    def dbt_environment(self) -> dict[str, str]:
        """What profiles.yml reads for the postgres target: the same fields, one variable each
        (the password under dbt's DBT_ENV_SECRET_ prefix, which dbt keeps out of its logs)."""
        env = {"NBA_PG_HOST": self.host, "NBA_PG_PORT": str(self.port), "NBA_PG_USER": self.user,
               "DBT_ENV_SECRET_NBA_PG_PASSWORD": self.password, "NBA_PG_DBNAME": self.dbname}
        env.update({f"NBA_PG_{name.upper()}": value for name, value in self.options})
        return env


@dataclass(frozen=True)
class Settings:
    """The validated settings of one run. Build it with ``Settings.from_env()``."""

    target: str = "duckdb"
    duckdb_path: Path = REPO_ROOT / DEFAULT_DUCKDB_FILE
    #: DATABASE_URL as written, and parsed (postgres): both kept out of repr, which logs show.
    database_url: str | None = field(default=None, repr=False)
    postgres: PostgresConnection | None = field(default=None, repr=False)
    base_url: str = "https://stats.nba.com/stats"
    season: str = field(default_factory=lambda: season_in_progress(dt.date.today()))
    season_types: tuple[str, ...] = SYNCABLE_SEASON_TYPES
    request_delay: float = 1.0
    request_jitter: float = 0.2
    request_timeout: float = 30.0
    lookback_days: int = 3
    max_retries: int = 5
    backoff_base: float = 2.0
    heartbeat_timeout: float = 5.0
    lock_wait: float = 0.0
    duckdb_memory_limit: str = "384MB"
    user_agent: str = DEFAULT_USER_AGENT
    load_path: str = "columnar"
    backfill_batch: int = 8
    #: Whether a night fetches the play-by-play of the games completed since (one request a game).
    play_by_play: bool = True

    @property
    def headers(self) -> dict[str, str]:
        return browser_headers(self.user_agent)

    @property
    def database_label(self) -> str:
        """Where the data goes, with any password hidden."""
        if self.postgres is not None:
            return self.postgres.label
        return str(self.duckdb_path)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and validate every ``NBA_*`` variable and ``DATABASE_URL``."""
        env = os.environ if environ is None else environ
        # Secrets first: nothing from here on, an error included, may repeat them.
        register_database_url(env.get("DATABASE_URL"))
        register_secret(env.get("NBA_STATUS_TOKEN"))
        target = env.get("NBA_TARGET", "duckdb").strip().lower()
        if target not in ("duckdb", "postgres"):
            raise ConfigError(f"NBA_TARGET={target!r} is not supported: use 'duckdb' or 'postgres'.")
        database_url = env.get("DATABASE_URL") or None
        postgres = parse_database_url(database_url) if target == "postgres" else None
        season = env.get("NBA_SEASON") or season_in_progress(dt.date.today())
        _check_not_ahead(season, dt.date.today())
        load_path = env.get("NBA_LOAD_PATH", cls.load_path).strip().lower()
        if load_path not in LOAD_PATHS:
            raise ConfigError(f"NBA_LOAD_PATH={load_path!r} is not a load path: use 'columnar' or 'rows'.")
        return cls(
            target=target,
            duckdb_path=_duckdb_path(env.get("NBA_DUCKDB_PATH", DEFAULT_DUCKDB_FILE), target),
            database_url=database_url,
            postgres=postgres,
            base_url=_base_url(env.get("NBA_STATS_BASE_URL", cls.base_url)),
            season=season,
            season_types=parse_season_types(env.get("NBA_SEASON_TYPES", DEFAULT_SEASON_TYPES)),
            request_delay=_non_negative(env, "NBA_REQUEST_DELAY", cls.request_delay),
            request_jitter=_non_negative(env, "NBA_REQUEST_JITTER", cls.request_jitter),
            request_timeout=_positive(env, "NBA_REQUEST_TIMEOUT", cls.request_timeout),
            lookback_days=int(_non_negative(env, "NBA_LOOKBACK_DAYS", cls.lookback_days)),
            max_retries=int(_non_negative(env, "NBA_MAX_RETRIES", cls.max_retries)),
            backoff_base=_non_negative(env, "NBA_BACKOFF_BASE", cls.backoff_base),
            heartbeat_timeout=_positive(env, "NBA_HEARTBEAT_TIMEOUT", cls.heartbeat_timeout),
            lock_wait=_non_negative(env, "NBA_LOCK_WAIT", cls.lock_wait),
            duckdb_memory_limit=_memory_size(env.get("NBA_DUCKDB_MEMORY_LIMIT", cls.duckdb_memory_limit)),
            user_agent=env.get("NBA_USER_AGENT", DEFAULT_USER_AGENT),
            load_path=load_path,
            backfill_batch=_whole(env, "NBA_BACKFILL_BATCH", cls.backfill_batch),
            play_by_play=_on_or_off(env, "NBA_PLAY_BY_PLAY", cls.play_by_play),
        )

    def dbt_environment(self) -> dict[str, str]:
        """The variables ``profiles.yml`` reads: where the database is, for this run's target."""
        env = {
            "NBA_TARGET": self.target,
            "NBA_DUCKDB_PATH": str(self.duckdb_path),
            "NBA_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit,
        }
        if self.postgres is not None:
            env.update(self.postgres.dbt_environment())
        return env

    def dbt_vars(self) -> dict[str, Any]:
        """The dbt project's vars for this run (defaults in dbt_project.yml): what the marts
        hold is decided by the loader's settings, passed explicitly, not read from the
        environment at build time."""
        return {"season_types": list(self.season_types), "play_by_play": self.play_by_play}


def parse_season_types(raw: str) -> tuple[str, ...]:
    """``"Regular Season,Playoffs"`` -> a tuple, rejecting any type the sync cannot load."""
    types = tuple(part.strip() for part in raw.split(",") if part.strip())
    unknown = [name for name in types if name not in SYNCABLE_SEASON_TYPES]
    if unknown or not types:
        raise ConfigError(
            f"NBA_SEASON_TYPES={raw!r} names unknown season types {unknown}: "
            f"choose from {', '.join(SYNCABLE_SEASON_TYPES)}."
        )
    return types


def parse_database_url(url: str | None) -> PostgresConnection:
    """``postgresql://user:password@host:port/dbname?sslmode=...``, parsed and percent-decoded,
    or a ConfigError in one sentence that shows the URL without its password."""
    if not url:
        raise ConfigError(
            "DATABASE_URL is not set: NBA_TARGET=postgres needs "
            "DATABASE_URL=postgresql://user:password@host:port/dbname."
        )
    shown = redact(url)
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres") or not parts.hostname or not parts.path.strip("/") \
            or not parts.username:
        raise ConfigError(f"DATABASE_URL={shown!r} is malformed: write it as postgresql://user:password@host:port/dbname.")
    try:
        port = parts.port or 5432  # urlsplit checks the port only when asked
    except ValueError:
        raise ConfigError(f"DATABASE_URL={shown!r} has a port that is not a number.") from None
    options = parse_qsl(parts.query, keep_blank_values=True)
    unknown = sorted({name for name, _ in options} - set(POSTGRES_OPTIONS))
    if unknown:
        raise ConfigError(
            f"DATABASE_URL={shown!r} has parameter(s) {', '.join(unknown)} that dbt could not pass on: "
            f"use only {', '.join(POSTGRES_OPTIONS)}."
        )
    return PostgresConnection(host=unquote(parts.hostname), port=port, user=unquote(parts.username),
                              password=unquote(parts.password or ""), dbname=unquote(parts.path.lstrip("/")),
                              options=tuple(options))


def _duckdb_path(raw: str, target: str) -> Path:
    """The DuckDB file ``raw`` names. A relative path is relative to the project's folder
    (REPO_ROOT, where profiles.yml is), from whatever folder ``nba-elt`` runs: the same file
    a plain ``dbt`` in dbt_project/ opens (profiles.yml puts ``../`` before it)."""
    path = (REPO_ROOT / Path(raw).expanduser()).resolve()
    catalog = path.name.split(".", 1)[0]
    if catalog.lower() in _RESERVED_CATALOGS:
        raise ConfigError(
            f"NBA_DUCKDB_PATH={raw!r}: DuckDB names the database after the file, {catalog!r}, which is also "
            f"a schema of this project or of DuckDB, so queries such as nba.matches would be ambiguous; "
            f"choose another file name, e.g. {DEFAULT_DUCKDB_FILE}."
        )
    if path.is_dir():
        raise ConfigError(f"NBA_DUCKDB_PATH={raw!r} is a folder: name a file in it, e.g. {path / DEFAULT_DUCKDB_FILE}.")
    if target == "duckdb" and not os.access(path.parent, os.W_OK):
        raise ConfigError(
            f"NBA_DUCKDB_PATH={raw!r}: the folder {path.parent} does not exist or is not writable."
        )
    return path


def _memory_size(raw: str) -> str:
    if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", raw.strip()):
        raise ConfigError(f"NBA_DUCKDB_MEMORY_LIMIT={raw!r} is not a size: write it like '512MB' or '2GB'.")
    return raw.strip()


def _base_url(raw: str) -> str:
    if not raw.startswith(("http://", "https://")):
        raise ConfigError(f"NBA_STATS_BASE_URL={raw!r} must start with http:// or https://.")
    return raw.rstrip("/")


def _check_not_ahead(season: str, today: dt.date) -> None:
    """A season more than one year ahead of the one in progress has no games, and never will
    by the next night: most likely a typo (2052-53 for 2025-26)."""
    start, current = season_start_year(season), season_start_year(season_in_progress(today))
    if start > current + 1:
        raise ConfigError(
            f"NBA_SEASON={season!r} is more than a year ahead of the season in progress "
            f"({season_in_progress(today)}): write the season to sync, e.g. {season_in_progress(today)!r}."
        )


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return float(default)
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number.") from None
    if not math.isfinite(value):
        raise ConfigError(f"{name}={raw!r} is not a finite number: write a number of seconds or a count.")
    return value


def _non_negative(env: Mapping[str, str], name: str, default: float) -> float:
    value = _number(env, name, default)
    if value < 0:
        raise ConfigError(f"{name}={value:g} must not be negative.")
    return value


def _whole(env: Mapping[str, str], name: str, default: int) -> int:
    value = _positive(env, name, default)
    if value != int(value):
        raise ConfigError(f"{name}={value:g} must be a whole number.")
    return int(value)


def _on_or_off(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "on" if default else "off").strip().lower()
    if raw not in ("on", "off"):
        raise ConfigError(f"{name}={raw!r} is not a switch: use 'on' or 'off'.")
    return raw == "on"


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    value = _number(env, name, default)
    if value <= 0:
        raise ConfigError(f"{name}={value:g} must be greater than zero.")
    return value
