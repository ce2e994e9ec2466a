"""dbt, run in-process: build the marts, then run the audits (the project's dbt tests).

Models and tests run as two invocations, ``dbt run`` then ``dbt test``, rather than one
``dbt build``: in a build a failing test skips every model downstream of it, which would
leave the marts half-updated on exactly the night the audits have something to say.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dbt.cli.main import cli as dbt_cli
from dbt.cli.main import dbtRunner, dbtRunnerResult
from dbt_common.invocation import get_invocation_id

from loader.settings import DBT_PROJECT_DIR, DBT_TARGET_ROOT, PROJECT_ROOT, REPO_ROOT, Settings

logger = logging.getLogger(__name__)


class TransformError(RuntimeError):
    """dbt could not build the models: the message carries dbt's own words."""


@dataclass(frozen=True)
class NodeResult:
    """One model or test as dbt reported it."""

    name: str
    status: str
    failures: int | None
    message: str | None
    resource_type: str = "model"


@dataclass(frozen=True)
class DbtResult:
    success: bool
    invocation_id: str | None
    nodes: list[NodeResult]


@contextmanager
def _environment(variables: Mapping[str, str]) -> Iterator[None]:
    """Set variables for the block, then put back what was there: dbt reads its settings
    from the environment, and one run must not leak its target into the next."""
    previous = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_dbt(
    settings: Settings, command: str, *extra_args: str, environment: Mapping[str, str] | None = None
) -> DbtResult:
    """Invoke ``dbt <command>`` against the settings' target and collect node results.

    ``environment``: more variables for this invocation, such as ``NBA_RUN_ID`` for the
    audit hook. The vars stay the settings' own: dbt parses the whole project again when
    they change, which would cost every invocation a second.
    """
    logger.info("dbt %s", " ".join([command, *extra_args]))
    outcome = invoke_dbt(settings, [command, *extra_args], environment)
    if outcome.exception is not None:
        raise TransformError(f"dbt {command} could not run: {outcome.exception}") from outcome.exception
    results = getattr(outcome.result, "results", []) or []
    invocation_id = _invocation_id(outcome.result)
    nodes = [_node_result(result) for result in results]
    return DbtResult(success=bool(outcome.success), invocation_id=invocation_id, nodes=nodes)


def invoke_dbt(
    settings: Settings, args: Sequence[str], environment: Mapping[str, str] | None = None
) -> dbtRunnerResult:
    """dbt ``args`` (a command and its options) in this process, pointed at the settings'
    database: the project, its profile, the target and vars, and the environment the
    profile reads (DATABASE_URL parsed, loader.settings.PostgresConnection). Options the
    caller gave win over these defaults, and a command gets only those it accepts
    (``dbt debug`` has no --target-path)."""
    given, accepted = set(args), _options_of(args)
    defaults = {
        "--project-dir": str(DBT_PROJECT_DIR),
        "--profiles-dir": str(PROJECT_ROOT),
        "--target": settings.target,
        "--log-path": str(REPO_ROOT / "logs" / "dbt"),
        "--target-path": str(target_path(settings)),
        "--vars": json.dumps(settings.dbt_vars()),
    }
    full = [*args, *(part for option, value in defaults.items() if option not in given and option in accepted
                     for part in (option, value))]
    try:
        with _environment({**settings.dbt_environment(), **(environment or {})}):
            return dbtRunner().invoke(full)
    finally:
        if settings.target == "duckdb":
            _release_duckdb_file()


def _options_of(args: Sequence[str]) -> set[str]:
    """The options the dbt command that ``args`` name accepts (``docs generate``'s, ``run``'s)."""
    command: Any = dbt_cli
    for word in args:
        if not hasattr(command, "commands") or word not in command.commands:
            break
        command = command.commands[word]
    return {option for parameter in command.params for option in parameter.opts}


def target_path(settings: Settings) -> Path:
    """dbt's artifacts folder, one per database: two runs against different databases
    (tests in parallel, a DuckDB and a PostgreSQL job on one host) never share a manifest
    or a partial-parse cache, while each database keeps its own cache from night to night."""
    digest = hashlib.sha1(settings.database_label.encode()).hexdigest()[:12]
    return DBT_TARGET_ROOT / f"{settings.target}-{digest}"


def _release_duckdb_file() -> None:
    """Close dbt-duckdb's cached database so the file's lock goes with the invocation.

    dbt-duckdb keeps one DuckDB instance per process for speed; in a long-lived process
    (tests, ``nba-elt serve`` beside a run) that instance would hold the file's write lock
    and refuse any other configuration of connection to it.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()


def _node_result(result: Any) -> NodeResult:
    return NodeResult(
        name=result.node.name,
        status=str(getattr(result.status, "value", result.status)),
        failures=getattr(result, "failures", None),
        message=getattr(result, "message", None),
        resource_type=str(getattr(result.node.resource_type, "value", result.node.resource_type)),
    )


def _invocation_id(result: Any) -> str | None:
    metadata = getattr(result, "metadata", None)
    invocation_id = getattr(metadata, "invocation_id", None)
    return str(invocation_id) if invocation_id else str(get_invocation_id())
