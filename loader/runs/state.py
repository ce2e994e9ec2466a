"""What the database already holds, read before a sync or a load: the watermark, the
schedule's fingerprints, the seasons raw holds, and what reconciliation compares with the
schedule (the matches as held, the box score gaps).

The watermark is the latest date with a completed match in the season.

Read from the mart, not from dlt state, so that the database is the one source of truth:
a restored backup, a manual ``--full-refresh`` or a deleted dlt working folder all leave a
watermark that matches what analysts can see. Scheduled games never move it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date

from loader.database import Database
from loader.nba_stats.settings import RAW_TABLES
from loader.runs.reconcile import HeldMatch, StaleGame

logger = logging.getLogger(__name__)


def read_watermark(database: Database, season: str) -> date | None:
    """``MAX(game_date)`` of the season's completed matches, or None before the first load."""
    if not database.table_exists("nba", "matches"):
        return None
    value = database.scalar(
        "select max(game_date) from nba.matches where is_completed and season = %s",
        (season,),
    )
    return None if value is None else _as_date(value)


def read_schedule_hashes(database: Database, season: str) -> dict[str, str]:
    """``game_id -> row_hash`` of the season's schedule rows as last loaded (empty before)."""
    if not database.column_exists("raw", "schedule_games", "row_hash"):
        return {}
    rows = database.query(
        "select game_id, row_hash from raw.schedule_games where season = %s and row_hash is not null", (season,)
    )
    return {game_id: row_hash for game_id, row_hash in rows}


def seasons_in_raw(database: Database, seasons: Sequence[str]) -> set[str]:
    """The seasons of ``seasons`` that any raw table holds a row of.

    The tables are read smallest first: a season found early spares the scan of the larger ones.
    """
    missing = set(seasons)
    for table in RAW_TABLES:
        if not missing:
            break
        if not database.table_exists("raw", table):
            continue
        placeholders = ", ".join(["%s"] * len(missing))
        rows = database.query(f"select distinct season from raw.{table} where season in ({placeholders})",
                              sorted(missing))
        missing -= {season for season, in rows}
    return set(seasons) - missing


def games_in_raw(database: Database, game_ids: Sequence[str]) -> bool:
    """Whether ``raw.play_by_play_actions`` holds an action of any of ``game_ids``."""
    if not game_ids or not database.table_exists("raw", "play_by_play_actions"):
        return False
    placeholders = ", ".join(["%s"] * len(game_ids))
    return bool(database.scalar(
        f"select count(*) from raw.play_by_play_actions where game_id in ({placeholders})", game_ids))


def read_held_matches(database: Database, season: str) -> dict[str, HeldMatch]:
    """The season's games as ``nba.matches`` holds them (empty before the first build)."""
    if not database.table_exists("nba", "matches"):
        return {}
    rows = database.query(
        "select game_id, is_completed, home_team_id, away_team_id, home_score, away_score "
        "from nba.matches where season = %s",
        (season,),
    )
    return {game_id: HeldMatch(bool(completed), home, away, home_score, away_score)
            for game_id, completed, home, away, home_score, away_score in rows}


def read_box_score_gaps(database: Database, season: str, season_types: Sequence[str]) -> list[StaleGame]:
    """The season's completed games whose box score lacks a stat the season kept, one each
    (``audit.box_score_gaps``, built by dbt; none before the first build)."""
    if not database.table_exists("audit", "box_score_gaps"):
        return []
    placeholders = ", ".join(["%s"] * len(season_types))
    rows = database.query(
        "select game_id, min(game_date), min(season_type), min(missing_stats) "
        f"from audit.box_score_gaps "
        f"where season = %s and season_type in ({placeholders}) group by game_id order by game_id",
        (season, *season_types),
    )
    return [StaleGame(game_id, _as_date(game_date), season_type, f"{missing} missing")
            for game_id, game_date, season_type, missing in rows]


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


#: A made field goal is known by its result; a made free throw by its description, which
#: starts with MISS on a miss (or, without one, by its score, filled only on scoring
#: actions): the marts' rules (dbt_project/models/marts/game_events.sql).
_MAKES_BY_PLAYER = """
select
    game_id,
    person_id as player_id,
    sum(case when is_field_goal = 1 and shot_result = 'Made' then 1 else 0 end) as fgm,
    sum(case when is_field_goal = 1 and shot_result = 'Made' and shot_value = 3 then 1 else 0 end) as fg3m,
    sum(case when action_type = 'Free Throw' and coalesce(substr(description, 1, 4) <> 'MISS', score_home is not null)
        then 1 else 0 end) as ftm
from raw.play_by_play_actions
where (is_field_goal = 1 or action_type = 'Free Throw') and {where}
group by game_id, person_id
"""


def read_play_by_play_due(
    database: Database, seasons: Sequence[str], season_types: Sequence[str], checked_from: date | None = None,
) -> list[tuple[str, str]]:
    """``(game_id, season)`` of the completed games of ``seasons`` that need their play-by-play
    fetched, oldest first: those raw holds none of (new tonight, not published yet, or left
    by a killed backfill), and, among the games of ``checked_from`` on (a night's window,
    whose box scores were just fetched again), those whose play-by-play no longer agrees
    with the box score: a player's made field goals, threes or free throws differ (a stat
    correction). A stat the box score lacks is not compared.
    """
    if not seasons or not database.table_exists("raw", "team_game_logs"):
        return []
    season_list = ", ".join(["%s"] * len(seasons))
    type_list = ", ".join(["%s"] * len(season_types))
    completed = (f"select game_id, min(season) as season, min(game_date) as game_date from raw.team_game_logs "
                 f"where season in ({season_list}) and season_type in ({type_list}) group by game_id")
    if not database.table_exists("raw", "play_by_play_actions"):
        rows = database.query(f"{completed} order by game_date, game_id", (*seasons, *season_types))
        return [(game_id, season) for game_id, season, _ in rows]
    rows = database.query(
        f"with completed as ({completed}) "
        "select game_id, season from completed where game_id not in ("
        f"  select distinct game_id from raw.play_by_play_actions where season in ({season_list})) "
        "order by game_date, game_id",
        (*seasons, *season_types, *seasons),
    )
    due = [(game_id, season) for game_id, season in rows]
    if checked_from is not None:
        due += [game for game in _disagreeing_games(database, seasons, checked_from) if game not in due]
    return due


def _disagreeing_games(database: Database, seasons: Sequence[str], checked_from: date) -> list[tuple[str, str]]:
    season_list = ", ".join(["%s"] * len(seasons))
    window = f"season in ({season_list}) and game_id in (select game_id from box)"
    rows = database.query(
        "with box as ("
        f"  select game_id, season, player_id, fgm, fg3m, ftm from raw.player_game_logs "
        f"  where season in ({season_list}) and game_date >= %s"
        f"), events as ({_MAKES_BY_PLAYER.format(where=window)}) "
        "select distinct box.game_id, box.season from box "
        "left join events on events.game_id = box.game_id and events.player_id = box.player_id "
        "where box.fgm <> coalesce(events.fgm, 0) or box.fg3m <> coalesce(events.fg3m, 0) "
        "   or box.ftm <> coalesce(events.ftm, 0) "
        "order by box.game_id",
        (*seasons, checked_from, *seasons),
    )
    return [(game_id, season) for game_id, season in rows]
