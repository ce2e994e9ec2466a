"""The README's example queries run unchanged on both targets and answer sensibly.

The SQL is read from README.md itself (the ```sql blocks of its "## Querying" section), so
the README and these tests cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import MID_SEASON, query
from shared_load import loaded_season, season_database_env  # noqa: F401  (fixtures)

from loader.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"

Rows = list[tuple[Any, ...]]


def readme_queries() -> list[str]:
    text = README.read_text()
    section = text.split("\n## Querying\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sql\n(.*?)```", section, flags=re.DOTALL)


def check_standings(rows: Rows) -> None:
    assert len(rows) == 30
    percentages = [float(row[3]) for row in rows]
    assert percentages == sorted(percentages, reverse=True)
    assert all(row[1] + row[2] > 0 for row in rows)
    assert sum(row[1] for row in rows) == sum(row[2] for row in rows), "every win is someone's loss"
    assert all(re.fullmatch(r"[WL]\d+", row[7]) for row in rows)


def check_home_away_split(rows: Rows) -> None:
    assert [row[0] for row in rows] == ["home", "away"]
    assert all(row[1] > 0 and 0 <= row[2] <= row[1] and 80 < float(row[3]) < 160 for row in rows)


def check_player_lines(rows: Rows) -> None:
    assert len(rows) == 5
    points = [float(row[3]) for row in rows]
    assert points == sorted(points, reverse=True) and 10 < points[0] < 60
    assert all(row[1] >= 10 and 0 < float(row[6]) < 1 for row in rows)


def check_back_to_backs(rows: Rows) -> None:
    assert [row[0] for row in rows] == [False, True]
    assert all(row[1] > 0 and Decimal(0) < row[2] < Decimal(1) for row in rows)


def check_last_night(rows: Rows) -> None:
    assert rows, "the synthetic league plays every night of the season"
    assert {str(row[0])[:10] for row in rows} == {str(MID_SEASON - timedelta(days=1))}
    assert all(row[2] is not None and row[4] is not None and row[2] != row[4] for row in rows)


def check_clutch_scoring(rows: Rows) -> None:
    assert len(rows) == 5
    points = [row[2] for row in rows]
    assert points == sorted(points, reverse=True) and points[-1] > 0
    assert all(row[2] <= 3 * row[1] for row in rows), "a scoring play is worth 1 to 3 points"


def check_shooting_by_distance(rows: Rows) -> None:
    assert [row[0] for row in rows] == ["at the rim (0-3 ft)", "short (4-13 ft)", "long two (14 ft+)", "three"]
    percentages = [float(row[2]) for row in rows]
    assert all(row[1] > 0 for row in rows) and all(0 < value < 1 for value in percentages)
    assert percentages[0] > percentages[-1], "layups go in more often than threes"


CHECKS: list[Callable[[Rows], None]] = [
    check_standings, check_home_away_split, check_player_lines, check_back_to_backs, check_clutch_scoring,
    check_shooting_by_distance, check_last_night,
]


def test_the_readme_has_one_checked_query_per_example() -> None:
    assert len(readme_queries()) == len(CHECKS)


@pytest.mark.parametrize("index", range(len(CHECKS)), ids=[check.__name__ for check in CHECKS])
def test_a_readme_query_answers_sensibly_on_the_demo_season(loaded_season: Settings, index: int) -> None:  # noqa: F811
    sql = readme_queries()[index]
    CHECKS[index](query(loaded_season, sql))
