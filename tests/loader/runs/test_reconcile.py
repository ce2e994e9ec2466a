"""Reconciliation and the plan it changes, on hand-written schedule games: which games the
marts disagree with the schedule on, and how far back that night's requests then reach."""

from __future__ import annotations

from datetime import date
from typing import Any

from loader.runs.plan import plan_sync
from loader.runs.reconcile import HeldMatch, StaleGame, describe_stale, schedule_disagreements

SEASON = "2024-25"
TODAY = date(2024, 12, 10)
TYPES = ("Regular Season", "PlayIn", "Playoffs")


def game(game_id: str, day: str, status: int = 3, home: tuple[int, int] = (1, 110),
         away: tuple[int, int] = (2, 100)) -> dict[str, Any]:
    return {"gameId": game_id, "gameStatus": status, "gameDateEst": f"{day}T00:00:00Z",
            "homeTeam": {"teamId": home[0], "score": home[1]}, "awayTeam": {"teamId": away[0], "score": away[1]}}


def held(home_score: int = 110, away_score: int = 100, completed: bool = True) -> HeldMatch:
    return HeldMatch(completed, 1, 2, home_score if completed else None, away_score if completed else None)


def test_a_final_game_the_marts_lack_or_score_otherwise_is_stale_and_any_other_is_not() -> None:
    schedule = [
        game("0022400001", "2024-11-01"),                      # agrees
        game("0022400002", "2024-11-02"),                      # not in the marts at all
        game("0022400003", "2024-11-03"),                      # held, not completed
        game("0022400004", "2024-11-04", home=(1, 112)),       # corrected since
        game("0022400005", "2024-12-11", status=1, home=(1, 0), away=(2, 0)),  # scheduled
        game("0012400006", "2024-10-10"),                      # preseason: not synced
        game("0022400007", "2024-11-07", home=(1, 0), away=(2, 0)),  # final, no score to compare
    ]
    marts = {"0022400001": held(), "0022400003": held(completed=False), "0022400004": held(),
             "0022400005": held(completed=False), "0022400007": held()}
    stale = schedule_disagreements(schedule, marts, TYPES)
    assert [(game.game_id, game.game_date, game.season_type, game.reason) for game in stale] == [
        ("0022400002", date(2024, 11, 2), "Regular Season", "final in the schedule, no box score"),
        ("0022400003", date(2024, 11, 3), "Regular Season", "final in the schedule, no box score"),
        ("0022400004", date(2024, 11, 4), "Regular Season", "schedule 112-100, box score 110-100"),
    ]
    assert describe_stale(stale, named=2).startswith("reaching back to 2024-11-02 for 3 game(s)")
    assert describe_stale(stale, named=2).endswith("and 1 more")


def test_stale_games_pull_the_window_back_and_make_their_season_type_due_at_no_extra_request() -> None:
    schedule = [game("0022400100", "2024-12-08"), game("0022400101", "2024-12-09"),
                game("0052400001", "2024-04-15")]
    watermark = date(2024, 12, 9)
    quiet = plan_sync(schedule, SEASON, TYPES, watermark, 3, TODAY)
    late_play_in = StaleGame("0052400001", date(2024, 4, 15), "PlayIn", "final in the schedule, no box score")
    reaching = plan_sync(schedule, SEASON, TYPES, watermark, 3, TODAY, [late_play_in])
    assert (quiet.date_from, quiet.season_types) == (date(2024, 12, 6), ["Regular Season"])
    assert (reaching.date_from, reaching.season_types) == (date(2024, 4, 15), ["Regular Season", "PlayIn"])
    assert reaching.stale_games == [late_play_in]
    # no watermark: the whole season is fetched anyway
    assert plan_sync(schedule, SEASON, TYPES, None, 3, TODAY, [late_play_in]).date_from is None


def test_an_empty_answer_is_retried_only_where_a_game_was_final_before_last_night() -> None:
    # Last night's only game may wait for its box score; a game of two nights ago may not.
    last_night = plan_sync([game("0042400401", "2024-12-09")], SEASON, TYPES, date(2024, 12, 1), 3, TODAY)
    two_nights = plan_sync([game("0042400401", "2024-12-08")], SEASON, TYPES, date(2024, 12, 1), 3, TODAY)
    assert last_night.season_types == two_nights.season_types == ["Playoffs"]
    assert (last_night.final_games_expected, two_nights.final_games_expected) == (set(), {"Playoffs"})
