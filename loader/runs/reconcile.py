"""Reconciliation: the schedule's account of each game against what the marts hold.

The schedule, fetched every night, is the source's own account of which games are final
and with what score. A game it calls final that ``nba.matches`` does not hold as completed
(a box score the API published late, after the lookback window had passed it), or whose
score differs (a correction older than the lookback), and a game whose box score lacks a
stat its season kept (``audit.box_score_gaps``), all mean the same thing: that night's game
logs must reach back to it. They cost no extra request: ``DateFrom`` reaches further.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from loader.nba_stats.helpers import schedule_game_date
from loader.nba_stats.settings import (
    AWAY_TEAM,
    FINAL_STATUS,
    GAME_ID,
    GAME_STATUS,
    HOME_TEAM,
    SCORE,
    SEASON_TYPE_DIGITS,
    TEAM_ID,
)


@dataclass(frozen=True)
class HeldMatch:
    """A game as ``nba.matches`` holds it."""

    is_completed: bool
    home_team_id: int | None
    away_team_id: int | None
    home_score: int | None
    away_score: int | None


@dataclass(frozen=True)
class StaleGame:
    """A game whose box score must be fetched again, and why."""

    game_id: str
    game_date: date
    season_type: str
    reason: str

    def describe(self) -> str:
        return f"{self.game_id} ({self.reason})"


def schedule_disagreements(
    schedule_games: Iterable[Mapping[str, Any]],
    held: Mapping[str, HeldMatch],
    season_types: Sequence[str],
) -> list[StaleGame]:
    """The games of ``season_types`` that the schedule calls final and the marts do not hold
    as completed with the schedule's score (a 0-0 schedule score carries none to compare)."""
    types_by_digit = {SEASON_TYPE_DIGITS[name]: name for name in season_types}
    stale = []
    for game in schedule_games:
        season_type = types_by_digit.get(game[GAME_ID][2])
        if season_type is None or game[GAME_STATUS] != FINAL_STATUS:
            continue
        home, away = game[HOME_TEAM], game[AWAY_TEAM]
        match = held.get(game[GAME_ID])
        if match is None or not match.is_completed:
            reason = "final in the schedule, no box score"
        elif (home[SCORE] or away[SCORE]) and (
            (match.home_team_id, match.away_team_id, match.home_score, match.away_score)
            != (home[TEAM_ID], away[TEAM_ID], home[SCORE], away[SCORE])
        ):
            reason = f"schedule {home[SCORE]}-{away[SCORE]}, box score {match.home_score}-{match.away_score}"
        else:
            continue
        stale.append(StaleGame(game[GAME_ID], schedule_game_date(game), season_type, reason))
    return stale


def describe_stale(games: Sequence[StaleGame], named: int = 5) -> str:
    """One sentence for the log and the audit row: how many, from when, the first few."""
    listed = "; ".join(game.describe() for game in games[:named])
    more = f" and {len(games) - named} more" if len(games) > named else ""
    return (f"reaching back to {min(game.game_date for game in games)} for {len(games)} game(s) the marts "
            f"disagree with the source on: {listed}{more}")
