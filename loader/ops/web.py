"""``nba-elt serve``: the status as JSON for machines and as a page, the Pulse, for people.

Both answer from ``loader.ops.status.collect_status``, opened afresh on every request and
read-only, so the server never holds a database lock between requests and a run can
always write. While a run holds DuckDB's write lock, both answer 503 and say why.
The page is plain server-rendered HTML with its CSS inline: no script, no external asset.
Its templates and stylesheet are files of ``pulse/`` (Jinja, autoescaped); this module
hands them the status and the few filters they use.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from loader.ops.status import StatusUnavailable, collect_status
from loader.settings import Settings

logger = logging.getLogger(__name__)

STATUS_PATH = "/api/v1/system/status"


def create_app(settings: Settings, token: str | None = None) -> FastAPI:
    """The read-only app: two routes that answer GET and HEAD, nothing that writes.

    ``token``: when set, every request must carry it (``Authorization: Bearer <token>`` or
    ``?token=``), else 401: what the status shows (host names, pids, paths, error messages)
    is for the operator, not for anyone who can reach the port.
    """
    app = FastAPI(title="nba-elt: the Pulse", docs_url=None, redoc_url=None, openapi_url=None)

    if token:
        @app.middleware("http")
        async def require_token(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
            offered = request.query_params.get("token") or request.headers.get("authorization", "").removeprefix(
                "Bearer ").strip()
            if not hmac.compare_digest(offered, token):
                return PlainTextResponse("A token is required: Authorization: Bearer <NBA_STATUS_TOKEN>, "
                                         "or ?token=<NBA_STATUS_TOKEN>.\n", status_code=401)
            return await call_next(request)

    @app.api_route(STATUS_PATH, methods=["GET", "HEAD"])
    def system_status() -> JSONResponse:
        try:
            return JSONResponse(collect_status(settings))
        except StatusUnavailable as error:
            logger.warning("status unavailable: %s", error)
            return JSONResponse({"error": "database_unavailable", "message": str(error)}, status_code=503)

    @app.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
    def pulse() -> HTMLResponse:
        try:
            return HTMLResponse(render_pulse(collect_status(settings)))
        except StatusUnavailable as error:
            logger.warning("status unavailable: %s", error)
            return HTMLResponse(render_unavailable(str(error)), status_code=503)

    return app


def render_pulse(status: dict[str, Any]) -> str:
    """The whole page for one status: lights, warnings, audit checks, runs, marts."""
    return _TEMPLATES.get_template("pulse.html").render(status=status, title=f"nba-elt: {status['health']}",
                                                        css=_CSS)


def render_unavailable(message: str) -> str:
    """The 503 page: what is going on, in one sentence."""
    return _TEMPLATES.get_template("unavailable.html").render(message=message, title="nba-elt: database unavailable",
                                                              css=_CSS)


def _tone(state: str) -> str:
    """The colour a status wears."""
    if state in ("ok", "success"):
        return "good"
    if state in ("warn", "stale", "skipped", "running"):
        return "caution"
    if state in ("fail", "error", "abandoned", "busy"):
        return "bad"
    return "idle"


def _pill(state: str) -> Markup:
    return Markup('<span class="pill {}">{}</span>').format(_tone(state), state)


def _when(moment: str | None) -> str:
    return f"{moment} UTC" if moment else "never"


# Each table's rows, as (key, cells): the key goes to the row's data-key; a cell is text,
# escaped by the template, or a pill.
Row = tuple[str, list[Any]]


def _audit_row(check: dict[str, Any]) -> Row:
    return check["name"], [_pill(check["status"]), check["name"], check["failures"], check["at"], check["message"]]


def _run_row(run: dict[str, Any]) -> Row:
    label = Markup("<code>{}</code> {}").format(run["run_id"][:8], run["name"])
    return run["run_id"], [_pill(run["status"]), label, run["started_at"], run["finished_at"], run["seconds"],
                           run["message"]]


def _mart_row(item: tuple[str, int | None]) -> Row:
    table, rows = item
    return table, [f"nba.{table}", rows]


def _preflight_row(check: dict[str, Any]) -> Row:
    return check["name"], [_pill(check["status"]), check["name"], check["message"]]


_PULSE = Path(__file__).resolve().parent / "pulse"
_TEMPLATES = Environment(loader=FileSystemLoader(_PULSE), autoescape=True, undefined=StrictUndefined,
                         trim_blocks=True, lstrip_blocks=True)
_TEMPLATES.filters.update(tone=_tone, pill=_pill, when=_when, audit_row=_audit_row, run_row=_run_row,
                          mart_row=_mart_row, preflight_row=_preflight_row)
_CSS = Markup((_PULSE / "pulse.css").read_text())
