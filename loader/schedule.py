"""The schedule (``scheduleleaguev2``) as the loader reads it: the API's field names, one
record per game, and the fingerprints that tell which games changed since the last load.

The schedule is nested JSON, ``leagueSchedule.gameDates[].games[]``, and lists every game of
a season in any status: the source's own account of which games are final, with what score.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from typing import Any

import orjson

#: The schedule's fields the loader reads, by the API's names (the raw columns are
#: ``game_id``, ``game_status``, ``game_date_est``).
GAME_ID, GAME_STATUS, GAME_DATE_EST = "gameId", "gameStatus", "gameDateEst"
HOME_TEAM, AWAY_TEAM, TEAM_ID, SCORE = "homeTeam", "awayTeam", "teamId", "score"
#: ``gameStatus`` of a finished game in the schedule (1 scheduled, 2 live).
FINAL_STATUS = 3


def schedule_game_date(game: Mapping[str, Any]) -> date:
    """The game's Eastern date: ``gameDateEst`` says ``Z`` but holds Eastern time."""
    return date.fromisoformat(game[GAME_DATE_EST][:10])


def schedule_games(schedule: dict[str, Any]) -> list[dict[str, Any]]:
    """Flatten ``leagueSchedule.gameDates[].games[]`` into one record per game.

    A record keeps the API's names (``gameDateEst``), nested parts and all: dlt names the
    columns as it flattens them (``game_date_est``, ``home_team__team_id``), which spares a
    renamed copy of every game. Each record carries the season and ``row_hash``, a
    fingerprint of the game as the API sent it, so a night's load can leave out the games
    that have not changed since they were loaded.
    """
    season = schedule.get("seasonYear", "")
    games = []
    for game_date in schedule.get("gameDates", []):
        for game in game_date.get("games", []):
            record = {**game, "season": season}
            record["row_hash"] = hashlib.sha1(orjson.dumps(record, option=orjson.OPT_SORT_KEYS)).hexdigest()
            games.append(record)
    return games


def changed_games(games: list[dict[str, Any]], stored_hashes: dict[str, str]) -> list[dict[str, Any]]:
    """The games that are new or differ from their stored copy: a night's schedule load.

    Most of a season's 1,300 schedule rows are the same from one night to the next; only
    games that went final, moved or changed teams need merging again.
    """
    return [game for game in games if stored_hashes.get(game[GAME_ID]) != game["row_hash"]]
