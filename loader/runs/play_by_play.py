"""Play-by-play: one request per completed game, on the nightly run and in a backfill.

Which games: those raw holds no play-by-play of, and those whose box score changed since
their play-by-play was fetched (loader.runs.state.read_play_by_play_due). The answer is
the database's, not a list kept here, so that a game whose play-by-play the API has not
published yet (it answers no actions) is simply asked again on a later night.

A backfill fetches season after season of games (some 1,230 requests a season). Each
game's actions go to a spool file the moment they arrive, and the spool goes to dlt a
batch of games at a time: a backfill killed at any point loses at most the game in
flight, and the next one loads what the spool holds before it asks for anything more.
Only spooled games that raw still lacks are loaded, so a spool left behind can never put
an older account of a game over a newer one.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import os
import queue
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TextIO

import pyarrow as pa

from loader.database import connect
from loader.nba_stats.helpers import StatsClient, play_by_play_table
from loader.nba_stats.settings import FIRST_PLAY_BY_PLAY_SEASON, season_type_of
from loader.ops.audit import Recorder
from loader.ops.lock import RunLock
from loader.ops.progress import Progress
from loader.runs.state import read_play_by_play_due
from loader.runs.steps import RawLoad, RunSummary, load_play_by_play
from loader.settings import REPO_ROOT, Settings, season_start_year

logger = logging.getLogger(__name__)

#: Games a backfill hands dlt in one load: some 60,000 actions, a few MB of Arrow memory,
#: and dlt's fixed cost of a load spread over a minute and a half of requests at the default pacing.
BATCH_GAMES = 400


@dataclass
class PlayByPlayFetch:
    """What one pass over the due games brought: a table per game that had actions, the games
    the API has not published the play-by-play of yet, and the error that cut it short."""

    tables: list[pa.Table] = field(default_factory=list)
    unpublished: list[str] = field(default_factory=list)
    error: BaseException | None = None

    @property
    def rows(self) -> int:
        return sum(table.num_rows for table in self.tables)


def with_play_by_play(seasons: Sequence[str]) -> list[str]:
    """The seasons of ``seasons`` that stats.nba.com has play-by-play of (1996-97 on)."""
    first = season_start_year(FIRST_PLAY_BY_PLAY_SEASON)
    return [season for season in seasons if season_start_year(season) >= first]


def fetch_game(client: StatsClient, game_id: str, season: str) -> pa.Table | None:
    """One game's actions as raw loads them, or None while the API has none published."""
    actions = client.play_by_play(game_id)
    if not actions.num_rows:
        return None
    return play_by_play_table(actions, game_id, {"season": season, "season_type": season_type_of(game_id) or ""})


def nightly_play_by_play(
    settings: Settings, client: StatsClient, recorder: Recorder, summary: RunSummary, season: str,
    checked_from: date | None, lock: RunLock,
) -> BaseException | None:
    """The night's play-by-play: fetch every due game's, then load them in one dlt load.

    A request that fails for good ends the fetching, not the night: what arrived is loaded,
    the step's row says what failed, and the error is returned for the run to end with once
    the marts are built (the box scores are loaded already; the games left are due again
    tomorrow)."""
    event = recorder.start("play_by_play", f"playbyplayv3 {season}")
    requests_before = client.request_count
    load = RawLoad()
    try:
        with connect(settings) as database:
            due = read_play_by_play_due(database, with_play_by_play([season]), settings.season_types, checked_from)
        logger.info("play-by-play %s: %d game(s) due", season, len(due))
        fetched = PlayByPlayFetch()
        for game_id, game_season in due:
            try:
                table = fetch_game(client, game_id, game_season)
            except Exception as error:  # noqa: BLE001 - recorded below, once what arrived is loaded
                fetched.error = error
                break
            if table is None:
                fetched.unpublished.append(game_id)
            else:
                fetched.tables.append(table)
        if fetched.tables:
            lock.verify("loading the play-by-play")
            load = load_play_by_play(settings, fetched.tables)
    except BaseException as error:
        recorder.finish(event, "error", message=str(error) or type(error).__name__, error=error,
                        api_requests=client.request_count - requests_before)
        raise
    for table, count in load.rows.items():
        summary.rows_per_table[table] = summary.rows_per_table.get(table, 0) + count
    summary.play_by_play_games += len(fetched.tables)
    message = (f"{len(fetched.tables)} of {len(due)} due game(s) loaded"
               + (f"; not published yet: {', '.join(fetched.unpublished)}" if fetched.unpublished else ""))
    if fetched.error is not None:
        recorder.finish(event, "error", message=f"{message}; stopped by: {fetched.error}", error=fetched.error,
                        rows_per_table=load.rows, load_id=load.load_id,
                        api_requests=client.request_count - requests_before)
        return fetched.error
    recorder.finish(event, "success", message=message, rows_per_table=load.rows, load_id=load.load_id,
                    api_requests=client.request_count - requests_before)
    return None


def backfill_play_by_play(
    settings: Settings, lock: RunLock, client: StatsClient, recorder: Recorder, summary: RunSummary,
    seasons: Sequence[str], progress_stream: TextIO | None = None,
) -> None:
    """The play-by-play of every completed game of ``seasons`` that raw lacks, game by game,
    through the spool: fetched in a background thread, loaded ``BATCH_GAMES`` at a time."""
    seasons = with_play_by_play(seasons)
    spool = Spool.for_database(settings)
    with connect(settings) as database:
        due = read_play_by_play_due(database, seasons, settings.season_types)
    spooled = spool.games()
    to_fetch = [(game_id, season) for game_id, season in due if game_id not in spooled]
    to_load = [game_id for game_id, _ in due if game_id in spooled]
    spool.discard(spooled - set(to_load))
    event = recorder.start("play_by_play", f"playbyplayv3 {seasons[0]}..{seasons[-1]}" if seasons else "playbyplayv3",
                           message=f"{len(due)} game(s) due, {len(to_load)} of them spooled by an earlier backfill")
    requests_before = client.request_count
    progress = Progress(len(due), lambda: client.request_count, progress_stream,
                        seconds_per_season=settings.request_delay + 0.1, unit="games")
    progress.done = len(to_load)
    loaded: dict[str, int] = {}
    unpublished: list[str] = []
    try:
        with _fetching(client, spool, to_fetch, unpublished, progress) as arrivals:
            for batch in _batches(to_load, arrivals):
                lock.verify("loading the play-by-play")
                progress.loading = f"{len(batch)} games"
                progress.show()
                load = load_play_by_play(settings, spool.read(batch))
                spool.discard(batch)
                gc.collect()  # the few cycles each dlt load leaves (the collector is paused: cyclic_gc_paused)
                for table, count in load.rows.items():
                    loaded[table] = loaded.get(table, 0) + count
                summary.play_by_play_games += len(batch)
                progress.loading = ""
                progress.games += len(batch)
                progress.show()
    except BaseException as error:
        recorder.finish(event, "error", message=str(error) or type(error).__name__, error=error,
                        rows_per_table=loaded, api_requests=client.request_count - requests_before)
        raise
    finally:
        progress.close()
    for table, count in loaded.items():
        summary.rows_per_table[table] = summary.rows_per_table.get(table, 0) + count
    recorder.finish(event, "success", rows_per_table=loaded, api_requests=client.request_count - requests_before,
                    message=f"{summary.play_by_play_games} game(s) loaded"
                            + (f"; not published yet: {len(unpublished)}" if unpublished else ""))


@contextlib.contextmanager
def _fetching(client: StatsClient, spool: Spool, games: Sequence[tuple[str, str]], unpublished: list[str],
              progress: Progress) -> Iterator[queue.Queue[str | BaseException | None]]:
    """A thread that fetches ``games`` into the spool; the queue names each game spooled,
    then None at the end (or the error that ended it). Leaving the block early cancels the
    client, so that the thread makes no further request."""
    arrivals: queue.Queue[str | BaseException | None] = queue.Queue()

    def fetch_all() -> None:
        try:
            for game_id, season in games:
                progress.fetching = game_id
                progress.show()
                table = fetch_game(client, game_id, season)
                if table is None:
                    unpublished.append(game_id)
                    progress.done += 1
                    progress.done_this_run += 1
                    continue
                spool.write(game_id, table)
                progress.done += 1
                progress.done_this_run += 1
                arrivals.put(game_id)
            progress.fetching = ""
            arrivals.put(None)
        except BaseException as error:  # noqa: BLE001 - handed to the loading thread, which raises it
            arrivals.put(error)

    fetcher = threading.Thread(target=fetch_all, name="nba-elt-play-by-play", daemon=True)
    fetcher.start()
    try:
        yield arrivals
    finally:
        if fetcher.is_alive():
            client.cancel()
        fetcher.join()


def _batches(spooled: list[str], arrivals: queue.Queue[str | BaseException | None]) -> Iterator[list[str]]:
    """Batches of ``BATCH_GAMES`` games: first those spooled before, then those arriving."""
    for start in range(0, len(spooled), BATCH_GAMES):
        yield spooled[start:start + BATCH_GAMES]
    batch: list[str] = []
    while True:
        arrival = arrivals.get()
        if isinstance(arrival, BaseException):
            if batch:
                yield batch  # what arrived before the error is loaded; the error ends the step
            raise arrival
        if arrival is None:
            break
        batch.append(arrival)
        if len(batch) >= BATCH_GAMES:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass(frozen=True)
class Spool:
    """Games fetched and not loaded yet, one Arrow IPC file each, in a folder of the database's own."""

    folder: Path

    @classmethod
    def for_database(cls, settings: Settings) -> Spool:
        key = hashlib.sha256(f"{settings.target} {settings.database_label}".encode()).hexdigest()[:16]
        return cls(REPO_ROOT / ".nba-elt" / "play-by-play-spool" / key)

    def games(self) -> set[str]:
        if not self.folder.is_dir():
            return set()
        return {path.stem for path in self.folder.glob("*.arrow")}

    def write(self, game_id: str, table: pa.Table) -> None:
        """Written whole or not at all: a file appears under its name only once complete."""
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f"{game_id}.arrow.partial"
        with pa.OSFile(str(partial), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        os.replace(partial, self.folder / f"{game_id}.arrow")

    def read(self, game_ids: Sequence[str]) -> list[pa.Table]:
        tables = []
        for game_id in game_ids:
            with pa.OSFile(str(self.folder / f"{game_id}.arrow"), "rb") as source:
                tables.append(pa.ipc.open_file(source).read_all())
        return tables

    def discard(self, game_ids: Sequence[str] | set[str]) -> None:
        """Forget these games; the folder goes once it holds none."""
        for game_id in game_ids:
            (self.folder / f"{game_id}.arrow").unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # not empty, or not there
            self.folder.rmdir()
