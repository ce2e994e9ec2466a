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
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from loader.ops.status import FAILING, StatusUnavailable, collect_status
from loader.settings import DBT_PROJECT_DIR, Settings

logger = logging.getLogger(__name__)

STATUS_PATH = "/api/v1/system/status"
#: Seconds after which a client refused by a run in progress may ask again.
BUSY_RETRY_AFTER = 30
#: What the history and the timeline call each step of a run.
STEP_LABELS = {"preflight": "pre-flight", "extract_load": "extract-load", "play_by_play": "play-by-play",
               "transform": "dbt run", "audit": "dbt test"}
#: The generic tests dbt brings; the project's own are the files of dbt_project/tests/generic.
_DBT_GENERIC_TESTS = ("unique", "not_null", "accepted_values", "relationships")


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
            return JSONResponse({"error": "run_in_progress" if error.busy else "database_unavailable",
                                 "message": str(error)}, status_code=503,
                                headers={"Retry-After": str(BUSY_RETRY_AFTER)} if error.busy else None)

    @app.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
    def pulse() -> HTMLResponse:
        try:
            return HTMLResponse(render_pulse(collect_status(settings)))
        except StatusUnavailable as error:
            # A run in progress is the normal state of some minutes a night: the page says so
            # calmly, as a 200; the JSON keeps its 503 for machines, with when to ask again.
            logger.warning("status unavailable: %s", error)
            return HTMLResponse(render_unavailable(str(error), error.busy), status_code=200 if error.busy else 503)

    return app


def render_pulse(status: dict[str, Any]) -> str:
    """The whole page for one status: the verdict, the last run, the history, the audits."""
    running = bool(status["last_run"]) and status["last_run"]["status"] == "running"
    return _TEMPLATES.get_template("pulse.html").render(
        status=status, title=f"nba-elt: {'running' if running else status['health']}", css=_CSS,
        favicon=_favicon("running" if running else status["health"]), refresh=15 if running else 60)


def render_unavailable(message: str, busy: bool = False) -> str:
    """The page while the database cannot be read: calm when a run holds it (``busy``)."""
    return _TEMPLATES.get_template("unavailable.html").render(
        message=message, busy=busy, title="nba-elt: a run is in progress" if busy else "nba-elt: database unavailable",
        css=_CSS, favicon=_favicon("running" if busy else "fail"), refresh=15 if busy else 60)


def _tone(state: str) -> str:
    """The colour a status wears."""
    if state in ("ok", "success", "pass"):
        return "good"
    if state == "running":
        return "calm"
    if state in ("warn", "stale", "skipped"):
        return "caution"
    if state in ("fail", "error", "abandoned", "busy"):
        return "bad"
    return "idle"


_TONE_COLOURS = {"good": "#1f9d55", "calm": "#3182ce", "caution": "#d69e2e", "bad": "#e53e3e", "idle": "#a0aec0"}


def _favicon(state: str) -> str:
    """The favicon, a ball in the colour of the system's state, as a data URI's text."""
    return quote(_FAVICON.replace("COLOUR", _TONE_COLOURS[_tone(state)]))


def _verdict(status: dict[str, Any]) -> dict[str, Any]:
    """The top band: a headline that answers "is the data good and fresh", and, when it is
    not, the step, its one-sentence cause and when."""
    last_run, problem, freshness = status["last_run"], status["problem"], status["freshness"]
    latest = freshness["latest_completed_game_date"]
    if last_run and last_run["status"] == "running":
        steps = last_run.get("steps") or []
        at = STEP_LABELS.get(steps[-1]["step"], steps[-1]["step"]) if steps else "its start"
        return {"state": "running", "tone": "calm", "headline": "A run is in progress",
                "cause": f"Started {_when(last_run['started_at'])}, now at {at}. The marts keep the last run's "
                         "data meanwhile; this page looks again every 15 seconds.", "at": None}
    if problem and problem["status"] in ("fail", "error", "abandoned"):
        step = STEP_LABELS.get(problem["step"] or "", problem["step"] or "the run")
        verb = {"fail": "failed", "error": "ended in error", "abandoned": "was abandoned"}[problem["status"]]
        return {"state": problem["status"], "tone": "bad", "headline": f"The last run {verb} at {step}",
                "cause": problem["cause"], "at": _when(problem["at"])}
    if problem:
        step = STEP_LABELS.get(problem["step"] or "", "")
        headline = "The data is stale" if status["stale"] else (
            f"The data is loaded, with a warning at {step}" if step else "The data is loaded, with a warning")
        return {"state": "warn", "tone": "caution", "headline": headline, "cause": problem["cause"],
                "at": _when(problem["at"])}
    if status["health"] == "ok":
        synced = _when(status["last_successful_sync"]["finished_at"] if status["last_successful_sync"] else None)
        return {"state": "ok", "tone": "good", "headline": "The data is good and fresh",
                "cause": f"Games through {latest or 'none yet'}, last synced {synced}; every audit passes.",
                "at": None}
    return {"state": "unknown", "tone": "idle", "headline": "No run recorded yet",
            "cause": "Run `nba-elt elt` to load the season; this page fills in as it runs.", "at": None}


def _breakable(text: Any) -> Any:
    """Text, escaped, that may wrap after ``_ . / , :`` (between a long name's words on a
    narrow screen, never inside one); markup and numbers pass as they are."""
    if isinstance(text, Markup) or not isinstance(text, str):
        return text
    return _with_breaks(text)


def _with_breaks(text: str) -> Markup:
    return Markup("").join(Markup("{}<wbr>").format(part) if part.endswith(_BREAK_CHARACTERS) else part
                           for part in _BREAK_AFTER.split(text) if part)


def _timeline(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The last run's steps as segments of one bar, each as wide as its seconds (a sliver at least)."""
    total = sum(step["seconds"] or 0 for step in steps) or 1
    return [{**step, "label": STEP_LABELS.get(step["step"], step["step"]),
             "weight": max(round(100 * (step["seconds"] or 0) / total, 1), 1.5)} for step in steps]


def _chart(history: list[dict[str, Any]], measure: str) -> dict[str, Any]:
    """Bars of one measure over the history, in a viewBox of 300 by 80; ``seconds`` is
    stacked by step, each in its colour (STEP_TONES), the first step at the bottom."""
    width, height, gap = 300, 80, 0.25
    slot = width / max(len(history), 1)
    if measure == "seconds":
        stacks = [[(STEP_TONES[step["step"]], step["seconds"] or 0) for step in run["steps"]
                   if step["step"] in STEP_TONES] for run in history]
    else:
        stacks = [[("bad" if measure == "audit_failures" else "value", run[measure] or 0)] for run in history]
    top = max((sum(value for _, value in stack) for stack in stacks), default=0) or 1
    bars = []
    for index, (run, stack) in enumerate(zip(history, stacks, strict=True)):
        y, segments = float(height), []
        for tone, value in stack:
            h = height * value / top
            y -= h
            segments.append({"tone": tone, "y": round(y, 2), "h": round(h, 2)})
        total = sum(value for _, value in stack)
        bars.append({"x": round(index * slot + slot * gap / 2, 2), "w": round(slot * (1 - gap), 2),
                     "segments": segments, "title": f"{run['started_at']} UTC, {run['status']}: {total:g}"})
    legend = [(tone, STEP_LABELS[step]) for step, tone in STEP_TONES.items()] if measure == "seconds" else []
    return {"width": width, "height": height, "bars": bars, "top": f"{top:g}", "legend": legend}


#: The colour of each step in the stacked chart of seconds.
STEP_TONES = {"preflight": "step-preflight", "extract_load": "step-load", "play_by_play": "step-play-by-play",
              "transform": "step-run", "audit": "step-test"}


def _audit_groups(checks: list[dict[str, Any]]) -> dict[str, Any]:
    """The audits as the page shows them: failing and warning ones listed, the passing ones
    counted per family (the generic test they are an instance of, the data audits, the
    loader's own checks)."""
    failing: list[dict[str, Any]] = []
    warning: list[dict[str, Any]] = []
    families: dict[str, list[dict[str, Any]]] = {}
    for check in checks:
        if check["status"] in FAILING:
            failing.append(check)
        elif check["status"] in ("warn", "abandoned"):
            warning.append(check)
        else:
            families.setdefault(_family(check["name"]), []).append(check)
    return {"failing": failing, "warning": warning, "passing_count": sum(map(len, families.values())),
            "families": [{"name": name, "checks": families[name]} for name in sorted(families)]}


def _family(name: str) -> str:
    for generic in _GENERIC_TESTS:
        if name.startswith(generic + "_"):
            return generic
    return "data_audits" if name.startswith("assert_") else "loader_checks"


def _pill(state: str) -> Markup:
    return Markup('<span class="pill {}">{}</span>').format(_tone(state), state)


def _when(moment: str | None) -> str:
    return f"{moment} UTC" if moment else "never"


# Each table's rows, as (key, cells): the key goes to the row's data-key; a cell is text,
# escaped by the template, or a pill.
Row = tuple[str, list[Any]]


def _audit_row(check: dict[str, Any]) -> Row:
    return check["name"], [_pill(check["status"]), check["name"], check["failures"], check["at"], check["message"]]


def _passing_row(check: dict[str, Any]) -> Row:
    return check["name"], [_pill(check["status"]), check["name"], check["at"]]


def _run_row(run: dict[str, Any]) -> Row:
    label = Markup("<code>{}</code> {}").format(run["run_id"][:8], _with_breaks(run["name"]))
    return run["run_id"], [_pill(run["status"]), label, run["started_at"], run["seconds"], run["message"]]


def _step_row(step: dict[str, Any]) -> Row:
    return step["step"], [_pill(step["status"]), STEP_LABELS.get(step["step"], step["step"]), step["seconds"],
                          step["rows"], step["api_requests"], step["message"]]


def _mart_row(item: tuple[str, int | None]) -> Row:
    table, rows = item
    return table, [f"nba.{table}", rows]


def _preflight_row(check: dict[str, Any]) -> Row:
    return check["name"], [_pill(check["status"]), check["name"], check["message"]]


_PULSE = Path(__file__).resolve().parent / "pulse"
_TEMPLATES = Environment(loader=FileSystemLoader(_PULSE), autoescape=True, undefined=StrictUndefined,
                         trim_blocks=True, lstrip_blocks=True)
_TEMPLATES.filters.update(tone=_tone, pill=_pill, when=_when, audit_row=_audit_row, run_row=_run_row,
                          mart_row=_mart_row, preflight_row=_preflight_row, passing_row=_passing_row,
                          step_row=_step_row, breakable=_breakable, verdict=_verdict, timeline=_timeline,
                          chart=_chart, audit_groups=_audit_groups)
_CSS = Markup((_PULSE / "pulse.css").read_text())
_FAVICON = (_PULSE / "favicon.svg").read_text().strip()
_BREAK_CHARACTERS = ("_", ".", "/", ",", ":")
_BREAKS = re.escape("".join(_BREAK_CHARACTERS))
_BREAK_AFTER = re.compile(f"([^{_BREAKS}]*[{_BREAKS}])")
_GENERIC_TESTS = sorted(
    [*_DBT_GENERIC_TESTS, *(path.stem for path in (DBT_PROJECT_DIR / "tests" / "generic").glob("*.sql"))],
    key=len, reverse=True)
