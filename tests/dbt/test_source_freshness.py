"""dbt as dbt users expect: the sources declare their freshness from dlt's load time (and
the status applies the same rule), the exposures name who reads the marts, and the docs
open on the project's overview."""

from __future__ import annotations

import json
from datetime import timedelta

from shared_load import loaded_season, season_database_env  # noqa: F401  (fixtures)

from loader.ops.audit import utc_now
from loader.ops.status import collect_status
from loader.runs.dbt import run_dbt, target_path
from loader.settings import Settings


def test_dbt_source_freshness_passes_right_after_a_load(loaded_season: Settings) -> None:  # noqa: F811
    result = run_dbt(loaded_season, "source", "freshness")
    freshness = {node.name: node.status for node in result.nodes if node.resource_type == "source"}
    assert freshness == {"schedule_games": "pass", "team_game_logs": "pass", "player_game_logs": "pass"}


def test_the_status_says_what_dbt_source_freshness_says_now_and_as_the_hours_pass(
    loaded_season: Settings  # noqa: F811
) -> None:
    result = run_dbt(loaded_season, "source", "freshness")
    from_dbt = {node.name: node.status for node in result.nodes if node.resource_type == "source"}
    now = utc_now()
    for hours, want in ((0, "pass"), (50, "warn"), (80, "error")):
        freshness = collect_status(loaded_season, now=now + timedelta(hours=hours))["freshness"]
        assert {source["table"]: source["status"] for source in freshness["sources"]} == dict.fromkeys(from_dbt, want)
        assert freshness["sources_status"] == want
        assert all(hours <= source["age_hours"] < hours + 1 for source in freshness["sources"])
    assert set(from_dbt.values()) == {"pass"}


def test_the_manifest_holds_the_exposures_and_the_overview(loaded_season: Settings) -> None:  # noqa: F811
    run_dbt(loaded_season, "parse")
    manifest = json.loads((target_path(loaded_season) / "manifest.json").read_text())
    assert {exposure["name"] for exposure in manifest["exposures"].values()} == {
        "pulse", "status_api", "readme_queries"}
    assert any(doc["name"] == "__overview__" and "nba-elt" in doc["block_contents"]
               for doc in manifest["docs"].values())
