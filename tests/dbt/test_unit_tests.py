"""The marts' pure SQL (streaks, home and away splits, rest days, back-to-backs, the windows of
team_game_features that must not see the match itself) proven by dbt unit tests on fixed rows,
on both targets: models/marts/_marts__unit_tests.yml. The nightly audits leave them out."""

from __future__ import annotations

from marts import unit_test_names
from shared_load import loaded_season, season_database_env  # noqa: F401  (fixtures)

from loader.runs.dbt import run_dbt
from loader.settings import Settings


def test_every_unit_test_of_the_marts_passes(loaded_season: Settings) -> None:  # noqa: F811
    declared = unit_test_names()
    result = run_dbt(loaded_season, "test", "--select", "test_type:unit")
    unit_tests = [node for node in result.nodes if node.resource_type == "unit_test"]
    assert {node.name for node in unit_tests} == declared
    assert result.success, [(node.name, node.message) for node in unit_tests if node.status != "pass"]
