"""What a backfill shows while it works: seasons (or, for play-by-play, games) landed,
requests made, time left.

On a terminal, one live display (rich) that stays at the bottom while log lines print
above it; anywhere else (a file, cron, a pipe) one plain line per batch that lands. The
time left counts the seasons (games) still to fetch and load, at the pace measured so far
(before the first lands: the pacing's), and the marts' build that follows them.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
from rich.progress import Progress as RichProgress

#: The marts' build and audits after a backfill, per season loaded and per game of
#: play-by-play: estimates for the time left (the build's pace on the benchmark machine,
#: rounded up), not measurements here.
MARTS_SECONDS = {"seasons": 2.0, "games": 0.01}


class Progress:
    """Shown from both threads of a backfill (the fetch ahead and the load).

    ``seconds_per_season``: the guess before anything landed (requests a season, or a game,
    at the pacing's delay); ``requests``: the client's count so far; ``unit``: what
    ``total`` counts, ``seasons`` or ``games``.
    """

    def __init__(self, total: int, requests: Callable[[], int], stream: TextIO | None = None,
                 seconds_per_season: float = 0.0, unit: str = "seasons") -> None:
        self.total = total
        self.unit = unit
        self.requests = requests
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.done = 0
        self.done_this_run = 0
        self.games = 0
        self.fetching = ""
        self.loading = ""
        self.seconds_per_season = seconds_per_season
        self._lock = threading.Lock()
        self._shown_done = -1
        self._live: RichProgress | None = None
        self._moved: list[tuple[logging.StreamHandler[Any], Any]] = []
        if self.stream.isatty():
            self._start_live()

    @property
    def _landed(self) -> int:
        """What a plain line is printed for: each batch of seasons, or of games, that lands."""
        return self.done if self.unit == "seasons" else self.games

    @property
    def _title(self) -> str:
        return "backfill" if self.unit == "seasons" else "backfill play-by-play"

    def seconds_left(self) -> float:
        """The seasons left at the pace so far (or the guess), and the marts after them."""
        elapsed = time.monotonic() - self.started
        pace = elapsed / self.done_this_run if self.done_this_run else self.seconds_per_season
        return pace * (self.total - self.done) + MARTS_SECONDS[self.unit] * self.total

    def show(self) -> None:
        with self._lock:
            if self._live is not None:
                self._live.update(self._task, completed=self.done, **self._fields())
            elif self._landed != self._shown_done:
                self._shown_done = self._landed
                fields = self._fields()
                self.stream.write(f"{self._title} {self.done}/{self.total} {self.unit}  {fields['games']}  "
                                  f"{fields['requests']} requests  {fields['elapsed']} elapsed  "
                                  f"{fields['left']} left (marts included)\n")
                self.stream.flush()

    def close(self) -> None:
        with self._lock:
            if self._live is not None:
                self._live.update(self._task, completed=self.done, **self._fields())
                self._live.stop()
                self._live = None
                for handler, stream in self._moved:
                    handler.setStream(stream)

    def _fields(self) -> dict[str, Any]:
        now = "  ".join(part for part in (f"fetching {self.fetching}" if self.fetching else "",
                                          f"loading {self.loading}" if self.loading else "") if part)
        landed = f"{self.games:,} games" if self.unit == "seasons" else f"{self.games:,} loaded"
        return {"games": landed, "requests": f"{self.requests():,}",
                "elapsed": _clock(time.monotonic() - self.started), "left": _clock(self.seconds_left()), "now": now}

    def _start_live(self) -> None:
        self._live = RichProgress(
            TextColumn(self._title), BarColumn(), MofNCompleteColumn(), TextColumn(self.unit),
            TextColumn("{task.fields[games]}  {task.fields[requests]} requests  "
                       "{task.fields[elapsed]} elapsed  ~{task.fields[left]} left  {task.fields[now]}"),
            console=Console(file=self.stream), redirect_stdout=True, redirect_stderr=True, refresh_per_second=4,
        )
        self._task = self._live.add_task("backfill", total=self.total, completed=self.done, **self._fields())
        self._live.start()
        # The log's terminal handler holds the terminal itself; while the display is live it
        # writes through rich's proxy of stdout instead, which prints each line above the display.
        for handler in logging.getLogger().handlers:
            stream = getattr(handler, "stream", None)
            if type(handler) is logging.StreamHandler and stream is not None and stream.isatty():
                self._moved.append((handler, handler.setStream(sys.stdout)))


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
