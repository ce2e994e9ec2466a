"""``nba-elt serve``: the status as JSON for machines and as a page, the Pulse, for people.

Both answer from ``loader.ops.status.collect_status``, opened afresh on every request and
read-only, so the server never holds a database lock between requests and a run can
always write. While a run holds DuckDB's write lock, both answer 503 and say why.
The page is plain server-rendered HTML with its CSS inline: no script, no external asset.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse

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
    last_run = status["last_run"]
    last_sync = status["last_successful_sync"]
    failing = [check for check in status["audit_checks"] if check["status"] in ("fail", "error")]
    freshness = status["freshness"]
    lights = "".join([
        _light("health", "System", status["health"], status["health"]),
        _light("last-run", "Last run", last_run["status"] if last_run else "unknown",
               _when(last_run["started_at"]) if last_run else "no run yet"),
        _light("last-sync", "Last successful sync", "stale" if status["stale"] else ("ok" if last_sync else "unknown"),
               _when(last_sync["finished_at"]) if last_sync else "never"),
        _light("audits", "Audits", "fail" if failing else ("ok" if status["audit_checks"] else "unknown"),
               f"{len(failing)} failing of {len(status['audit_checks'])}"),
        _light("freshness", "Latest completed game", "stale" if status["stale"] else "ok",
               freshness["latest_completed_game_date"] or "none"),
    ])
    warnings = "".join(f'<li class="warning">{escape(text)}</li>' for text in status["warnings"])
    body = f"""
<header>
  <h1>nba-elt <span>the Pulse</span></h1>
  <p class="meta">season {escape(status["season"])} &middot; {escape(status["target"])}
    {escape(status["database"])} &middot; as of {escape(status["generated_at"])} UTC</p>
</header>
<section class="lights">{lights}</section>
{f'<ul class="warnings" id="warnings">{warnings}</ul>' if warnings else ''}
<section>
  <h2>Audit checks <small>failing first</small></h2>
  {_table("audit-checks", ["status", "check", "failures", "at", "message"],
          [[_pill(check["status"]), escape(check["name"]), _text(check["failures"]), _text(check["at"]),
            _text(check["message"])] for check in status["audit_checks"]],
          [check["name"] for check in status["audit_checks"]], "No audit has run yet.")}
</section>
<section>
  <h2>Recent runs</h2>
  {_table("recent-runs", ["status", "run", "started", "finished", "seconds", "message"],
          [[_pill(run["status"]), f'<code>{escape(run["run_id"][:8])}</code> {escape(run["name"])}',
            _text(run["started_at"]), _text(run["finished_at"]), _text(run["seconds"]), _text(run["message"])]
           for run in status["recent_runs"]],
          [run["run_id"] for run in status["recent_runs"]], "No run recorded yet.")}
</section>
<section class="pair">
  <div>
    <h2>Freshness</h2>
    {_table("freshness", ["measure", "value"],
            [["latest completed game", _text(freshness["latest_completed_game_date"])],
             ["latest load", _text(freshness["latest_load_at"])],
             ["last successful sync", _text(last_sync["finished_at"] if last_sync else None)]],
            ["latest_completed_game_date", "latest_load_at", "last_successful_sync"], "")}
  </div>
  <div>
    <h2>Rows per mart</h2>
    {_table("rows-per-mart", ["table", "rows"],
            [[f"nba.{escape(table)}", _text(rows)] for table, rows in status["rows_per_mart"].items()],
            list(status["rows_per_mart"]), "")}
  </div>
  <div>
    <h2>Pre-flight</h2>
    {_table("preflight-checks", ["status", "check", "message"],
            [[_pill(check["status"]), escape(check["name"]), _text(check["message"])]
             for check in status["preflight_checks"]],
            [check["name"] for check in status["preflight_checks"]], "No pre-flight recorded yet.")}
  </div>
</section>"""
    return _page(f"nba-elt: {status['health']}", body)


def render_unavailable(message: str) -> str:
    """The 503 page: what is going on, in one sentence."""
    body = f"""
<header><h1>nba-elt <span>the Pulse</span></h1></header>
<section class="lights">{_light("health", "Database", "busy", "unavailable")}</section>
<p class="unavailable" id="unavailable">{escape(message)}</p>"""
    return _page("nba-elt: database unavailable", body)


def _light(key: str, label: str, state: str, detail: str) -> str:
    return (f'<div class="light {_tone(state)}" id="{key}" data-status="{escape(state)}">'
            f'<span class="dot"></span><span class="label">{escape(label)}</span>'
            f'<strong>{escape(state)}</strong><span class="detail">{escape(detail)}</span></div>')


def _pill(state: str) -> str:
    return f'<span class="pill {_tone(state)}">{escape(state)}</span>'


def _tone(state: str) -> str:
    """The colour a status wears."""
    if state in ("ok", "success"):
        return "good"
    if state in ("warn", "stale", "skipped", "running"):
        return "caution"
    if state in ("fail", "error", "abandoned", "busy"):
        return "bad"
    return "idle"


def _table(key: str, headers: list[str], rows: list[list[str]], keys: list[str], empty: str) -> str:
    if not rows:
        return f'<p class="empty" id="{key}">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(header)}</th>" for header in headers)
    body = "".join(
        f'<tr data-key="{escape(str(row_key))}">' + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>"
        for row_key, row in zip(keys, rows, strict=True)
    )
    return f'<table id="{key}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _text(value: Any) -> str:
    return "" if value is None else escape(str(value))


def _when(moment: str | None) -> str:
    return f"{moment} UTC" if moment else "never"


def _page(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="60">
<title>{escape(title)}</title>
<style>{_CSS}</style>
</head>
<body>{body}
</body>
</html>
"""


_CSS = """
:root { --good: #1f9d55; --caution: #d69e2e; --bad: #e53e3e; --idle: #a0aec0; --ink: #1a202c; --muted: #718096; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 24px; font: 14px/1.45 system-ui, sans-serif; color: var(--ink);
       background: #f7fafc; }
header h1 { margin: 0; font-size: 26px; } header h1 span { color: var(--muted); font-weight: 400; }
.meta { color: var(--muted); margin: 4px 0 20px; word-break: break-all; }
.lights { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px; margin-bottom: 20px; }
.light { background: #fff; border-radius: 8px; padding: 14px 16px; border-left: 6px solid var(--idle);
         box-shadow: 0 1px 2px rgba(0,0,0,.08); display: grid; grid-template-columns: 18px 1fr; row-gap: 2px; }
.light .dot { width: 12px; height: 12px; border-radius: 50%; background: var(--idle); margin-top: 4px;
              grid-row: span 3; }
.light .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.light strong { font-size: 20px; } .light .detail { color: var(--muted); font-size: 12px; }
.light.good { border-color: var(--good); } .light.good .dot { background: var(--good); }
.light.caution { border-color: var(--caution); } .light.caution .dot { background: var(--caution); }
.light.bad { border-color: var(--bad); } .light.bad .dot { background: var(--bad); }
.warnings { background: #fffaf0; border: 1px solid var(--caution); border-radius: 8px; padding: 10px 30px; }
.unavailable { background: #fff5f5; border: 1px solid var(--bad); border-radius: 8px; padding: 14px; font-size: 16px; }
section { margin-bottom: 24px; } h2 { font-size: 17px; margin: 0 0 8px; }
h2 small { color: var(--muted); font-weight: 400; }
table { width: 100%; border-collapse: collapse; background: #fff; border-radius: 8px; overflow: hidden;
        box-shadow: 0 1px 2px rgba(0,0,0,.08); }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #edf2f7; vertical-align: top; }
th { background: #edf2f7; font-size: 12px; text-transform: uppercase; color: var(--muted); }
td { word-break: break-word; }
.pill { display: inline-block; min-width: 64px; text-align: center; padding: 1px 8px; border-radius: 10px;
        color: #fff; background: var(--idle); font-size: 12px; }
.pill.good { background: var(--good); } .pill.caution { background: var(--caution); }
.pill.bad { background: var(--bad); }
.pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 16px; }
.empty { color: var(--muted); }
"""
