from datetime import date

import pytest
import yaml

from loader.settings import DBT_PROJECT_DIR, ConfigError, PostgresConnection, Settings, season_in_progress


def test_defaults_follow_the_design() -> None:
    settings = Settings.from_env({"NBA_SEASON": "2025-26"})
    assert settings.target == "duckdb"
    assert settings.duckdb_path.name == "nba_elt.duckdb"
    assert settings.base_url == "https://stats.nba.com/stats"
    assert settings.season_types == ("Regular Season", "PlayIn", "Playoffs")
    assert (settings.request_delay, settings.request_jitter) == (1.0, 0.2)
    assert settings.request_timeout == 30.0
    assert settings.lookback_days == 3
    assert settings.backfill_batch == 8


@pytest.mark.parametrize(
    ("today", "season"),
    [(date(2025, 10, 1), "2025-26"), (date(2026, 6, 15), "2025-26"), (date(2026, 9, 30), "2025-26"),
     (date(1999, 12, 31), "1999-00")],
)
def test_the_season_in_progress_starts_in_october(today: date, season: str) -> None:
    assert season_in_progress(today) == season


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"NBA_SEASON": "2025-2026"}, "NBA_SEASON"),
        ({"NBA_SEASON": "2025-27"}, "NBA_SEASON"),
        ({"NBA_SEASON_TYPES": "Regular Season,Summer League"}, "NBA_SEASON_TYPES"),
        ({"NBA_REQUEST_DELAY": "-1"}, "NBA_REQUEST_DELAY"),
        ({"NBA_REQUEST_TIMEOUT": "soon"}, "NBA_REQUEST_TIMEOUT"),
        ({"NBA_TARGET": "sqlite"}, "NBA_TARGET"),
        ({"NBA_TARGET": "postgres"}, "DATABASE_URL"),
        ({"NBA_TARGET": "postgres", "DATABASE_URL": "mysql://x@y/z"}, "DATABASE_URL"),
        ({"NBA_DUCKDB_PATH": "/no/such/folder/nba_elt.duckdb"}, "NBA_DUCKDB_PATH"),
        ({"NBA_DUCKDB_PATH": "nba.duckdb"}, "NBA_DUCKDB_PATH"),
        ({"NBA_DUCKDB_PATH": "/tmp/Audit.duckdb"}, "NBA_DUCKDB_PATH"),
        ({"NBA_DUCKDB_PATH": "raw.db"}, "NBA_DUCKDB_PATH"),
        ({"NBA_STATS_BASE_URL": "stats.nba.com"}, "NBA_STATS_BASE_URL"),
        ({"NBA_BACKFILL_BATCH": "0"}, "NBA_BACKFILL_BATCH"),
        ({"NBA_BACKFILL_BATCH": "2.5"}, "NBA_BACKFILL_BATCH"),
    ],
)
def test_a_bad_setting_is_one_sentence_naming_the_variable(env: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env(env)
    message = str(raised.value)
    assert names in message
    assert "\n" not in message


def test_a_password_never_shows_in_the_database_label_a_repr_or_an_error() -> None:
    url = "postgresql://etl:s3cret-password@db.example:5432/nba"
    settings = Settings.from_env({"NBA_TARGET": "postgres", "DATABASE_URL": url})
    assert settings.database_label == "postgresql://etl:***@db.example:5432/nba"
    assert "s3cret-password" not in repr(settings)
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"NBA_TARGET": "postgres", "DATABASE_URL": "postgresql://etl:s3cret-password@host:port/nba"})
    assert "s3cret-password" not in str(raised.value) and "etl:***@host:port" in str(raised.value)


def test_database_url_is_parsed_once_decoded_with_its_libpq_options() -> None:
    url = "postgres://etl%40corp:p%40ss%2Fw%23rd%25%3Ax@db.example/nba%2Dwarehouse?sslmode=require&connect_timeout=4"
    assert Settings.from_env({"NBA_TARGET": "postgres", "DATABASE_URL": url}).postgres == PostgresConnection(
        host="db.example", port=5432, user="etl@corp", password="p@ss/w#rd%:x", dbname="nba-warehouse",
        options=(("sslmode", "require"), ("connect_timeout", "4")))


def test_a_libpq_option_dbt_could_not_pass_on_is_refused_in_one_sentence() -> None:
    with pytest.raises(ConfigError, match="target_session_attrs that dbt could not pass on: use only sslmode"):
        Settings.from_env({"NBA_TARGET": "postgres",
                           "DATABASE_URL": "postgresql://etl:pw@db/nba?target_session_attrs=read-write"})


def test_browser_headers_are_held_in_settings() -> None:
    headers = Settings.from_env({"NBA_USER_AGENT": "Mozilla/5.0 test"}).headers
    assert headers["User-Agent"] == "Mozilla/5.0 test"
    assert headers["Referer"] == "https://www.nba.com/"
    assert headers["Origin"] == "https://www.nba.com"


def test_the_loaders_default_season_types_are_the_dbt_projects_default() -> None:
    # dbt_project.yml's var is what a plain `dbt run` builds with; nba-elt passes its own
    # setting explicitly, and by default the two must hold the same marts.
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    assert tuple(project["vars"]["season_types"]) == Settings.from_env({}).season_types
    assert project["vars"]["play_by_play"] is Settings.from_env({}).play_by_play is True
    assert Settings.from_env({"NBA_SEASON_TYPES": "Playoffs", "NBA_PLAY_BY_PLAY": "off"}).dbt_vars() == {
        "season_types": ["Playoffs"], "play_by_play": False}
