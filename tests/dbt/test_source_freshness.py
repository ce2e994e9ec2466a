"""dbt as dbt users expect: the sources declare their freshness from dlt's load time, the
exposures name who reads the marts, and the docs open on the project's overview."""

from __future__ import annotations

import json

from shared_load import loaded_season, season_database_env  # noqa: F401  (fixtures)

from loader.runs.dbt import run_dbt, target_path
from loader.settings import Settings


def test_dbt_source_freshness_passes_right_after_a_load(loaded_season: Settings) -> None:  # noqa: F811
    result = run_dbt(loaded_season, "source", "freshness")
    freshness = {node.name: node.status for node in result.nodes if node.resource_type == "source"}
    assert freshness == {"schedule_games": "pass", "team_game_logs": "pass", "player_game_logs": "pass"}


def test_the_manifest_holds_the_exposures_and_the_overview(loaded_season: Settings) -> None:  # noqa: F811
    run_dbt(loaded_season, "parse")
    manifest = json.loads((target_path(loaded_season) / "manifest.json").read_text())
    assert {exposure["name"] for exposure in manifest["exposures"].values()} == {
        "pulse", "status_api", "readme_queries"}
    assert any(doc["name"] == "__overview__" and "nba-elt" in doc["block_contents"]
               for doc in manifest["docs"].values())
