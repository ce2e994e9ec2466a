"""The stats API as the source knows it, each fact once: the season types and their digits,
the schedule's field names, the raw tables with their column hints and natural keys.

The loader's settings, its runs, the fake API's league and the tests read them here.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The season types the API knows, and the digit each one has in a game id (its third
#: character: 0022400001 is of the regular season). The fake API's league reads them here, and dbt
#: reads the season type the loader writes into each schedule row (season_type_of).
SEASON_TYPE_DIGITS: dict[str, str] = {
    "Pre Season": "1",
    "Regular Season": "2",
    "All Star": "3",
    "Playoffs": "4",
    "PlayIn": "5",
    "IST": "6",  # the NBA Cup's final, which no setting syncs (SYNCABLE_SEASON_TYPES)
}
SYNCABLE_SEASON_TYPES = ("Regular Season", "PlayIn", "Playoffs")


def season_type_of(game_id: str) -> str | None:
    """The season type a game id names by its third digit (None for a digit the API never used).

    The loader writes it into every schedule row (``raw.schedule_games.season_type``), so
    that dbt reads the season type instead of keeping its own copy of the digits.
    """
    return _SEASON_TYPES_BY_DIGIT.get(game_id[2:3])


_SEASON_TYPES_BY_DIGIT = {digit: name for name, digit in SEASON_TYPE_DIGITS.items()}
DEFAULT_SEASON_TYPES = "Regular Season,PlayIn,Playoffs"

#: The schedule's fields the loader reads, by the API's names (the raw columns are
#: ``game_id``, ``game_status``, ``game_date_est``).
GAME_ID, GAME_STATUS, GAME_DATE_EST = "gameId", "gameStatus", "gameDateEst"
HOME_TEAM, AWAY_TEAM, TEAM_ID, SCORE = "homeTeam", "awayTeam", "teamId", "score"
#: ``gameStatus`` of a finished game in the schedule (1 scheduled, 2 live).
FINAL_STATUS = 3

# The columns of each game log that the dbt models read, with the type they load as.
# Declared up front so the raw tables have the same shape whatever the first night held
# (a column that is null on every row would otherwise not be created at all).
_BOX_SCORE_COLUMNS: dict[str, str] = {
    "season_id": "text",
    "team_id": "bigint",
    "team_abbreviation": "text",
    "team_name": "text",
    "game_id": "text",
    "game_date": "date",
    "matchup": "text",
    "wl": "text",
    "min": "double",
    "fgm": "bigint",
    "fga": "bigint",
    "fg_pct": "double",
    "fg3m": "bigint",
    "fg3a": "bigint",
    "fg3_pct": "double",
    "ftm": "bigint",
    "fta": "bigint",
    "ft_pct": "double",
    "oreb": "bigint",
    "dreb": "bigint",
    "reb": "bigint",
    "ast": "bigint",
    "stl": "bigint",
    "blk": "bigint",
    "tov": "bigint",
    "pf": "bigint",
    "pts": "bigint",
    "plus_minus": "double",
    "video_available": "bigint",
}
TEAM_LOG_COLUMNS = _BOX_SCORE_COLUMNS
PLAYER_LOG_COLUMNS = {
    **_BOX_SCORE_COLUMNS,
    "player_id": "bigint",
    "player_name": "text",
    "fantasy_pts": "double",
}
# Added by the loader: the request's season and season type, which the rows lack.
CONTEXT_COLUMNS = {"season": "text", "season_type": "text"}

SCHEDULE_COLUMNS: dict[str, str] = {
    "game_id": "text",
    "season": "text",
    "season_type": "text",
    "game_status": "bigint",
    "game_status_text": "text",
    "game_date_est": "text",
    "postponed_status": "text",
    "home_team__team_id": "bigint",
    "home_team__team_tricode": "text",
    "home_team__score": "bigint",
    "away_team__team_id": "bigint",
    "away_team__team_tricode": "text",
    "away_team__score": "bigint",
    # Newer schedules say whether a game is played at a neutral site (NBA Cup knockouts,
    # international games); declared so the column exists before the API first sends it.
    "is_neutral": "bool",
    "row_hash": "text",
}

#: Columns a mart cannot do without: a response that lacks one fails the run by name.
REQUIRED_LOG_COLUMNS = frozenset({"game_id", "team_id", "game_date", "matchup", "pts"})


@dataclass(frozen=True)
class GameLog:
    """One of the two game logs: its raw table, the API's flag for it, columns and key."""

    table: str
    player_or_team: str
    columns: dict[str, str]
    primary_key: tuple[str, ...]


GAME_LOGS = (
    GameLog("team_game_logs", "T", TEAM_LOG_COLUMNS, ("game_id", "team_id")),
    GameLog("player_game_logs", "P", PLAYER_LOG_COLUMNS, ("game_id", "player_id")),
)
#: The schedule's raw table and its key; with the game logs', every table the loader writes, smallest first.
SCHEDULE_TABLE, SCHEDULE_KEY = "schedule_games", ("game_id",)
RAW_TABLES = (SCHEDULE_TABLE, *(log.table for log in GAME_LOGS))
#: Each raw table of the season-level endpoints and its natural key.
RAW_KEYS: dict[str, tuple[str, ...]] = {
    SCHEDULE_TABLE: SCHEDULE_KEY,
    **{log.table: log.primary_key for log in GAME_LOGS},
}

#: Play-by-play (``playbyplayv3``): one row per action of one game, the API's 23 keys in
#: snake case (``actionNumber`` -> ``action_number``) plus the game's id and the context.
#: A game's actions are replaced whole when it is fetched again: dlt's ``delete-insert``
#: merge on ``game_id`` removes an action the API no longer sends (PLAY_BY_PLAY_MERGE_KEY).
#: ``action_id`` is the key within a game: ``action_number`` repeats (a steal or a block
#: reuses the number of the turnover or shot it belongs to).
PLAY_BY_PLAY_TABLE = "play_by_play_actions"
PLAY_BY_PLAY_KEY = ("game_id", "action_id")
PLAY_BY_PLAY_MERGE_KEY = "game_id"
PLAY_BY_PLAY_COLUMNS: dict[str, str] = {
    "game_id": "text",
    "action_id": "bigint",
    "action_number": "bigint",
    "clock": "text",
    "period": "bigint",
    "team_id": "bigint",
    "team_tricode": "text",
    "person_id": "bigint",
    "player_name": "text",
    "player_name_i": "text",
    "x_legacy": "bigint",
    "y_legacy": "bigint",
    "shot_distance": "bigint",
    "shot_result": "text",
    "is_field_goal": "bigint",
    "score_home": "text",
    "score_away": "text",
    "points_total": "bigint",
    "location": "text",
    "description": "text",
    "action_type": "text",
    "sub_type": "text",
    "video_available": "bigint",
    "shot_value": "bigint",
}
#: Keys of an action a mart cannot do without: an answer that lacks one fails by name.
REQUIRED_PLAY_BY_PLAY_COLUMNS = frozenset({
    "action_id", "period", "clock", "team_id", "person_id", "action_type", "is_field_goal", "shot_result",
    "shot_value", "score_home", "score_away", "location",
})
#: The first season stats.nba.com has play-by-play of.
FIRST_PLAY_BY_PLAY_SEASON = "1996-97"
