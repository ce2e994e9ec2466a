-- One row per game of the synced season types: every scheduled game, and every game that
-- the team game logs hold, completed or not. Completion comes from the logs: a game is
-- completed once the API publishes its box score.
-- Incremental: a run re-processes the games whose schedule or team log rows were loaded
-- since this table's bookmark (see macros/incremental_games.sql): the loader merges the
-- schedule rows that changed, so every moved date or status change is caught.
{{ config(unique_key='game_id') }}

with

schedule_games as (

    select * from {{ ref('stg_nba_stats__schedule_games') }}

),

games_from_logs as (

    select * from {{ ref('int_team_games_pivoted_to_matches') }}

),

synced_schedule_games as (

    select * from schedule_games
    where season_type in {{ synced_season_types() }}

),

games_to_process as (
    {{ loaded_since('game_id', staged=[ref('stg_nba_stats__schedule_games'), ref('stg_nba_stats__team_game_logs')]) }}
),

joined as (

    select
        coalesce(games_from_logs.game_id, synced_schedule_games.game_id) as game_id,
        coalesce(games_from_logs.season, synced_schedule_games.season) as season,
        coalesce(games_from_logs.season_type, synced_schedule_games.season_type) as season_type,
        -- A played game's date is the log's; a postponed one moves with the schedule.
        coalesce(games_from_logs.game_date, synced_schedule_games.game_date) as game_date,
        coalesce(games_from_logs.home_team_id, synced_schedule_games.home_team_id) as home_team_id,
        coalesce(games_from_logs.away_team_id, synced_schedule_games.away_team_id) as away_team_id,
        games_from_logs.home_score,
        games_from_logs.away_score,
        case
            when games_from_logs.home_score > games_from_logs.away_score then games_from_logs.home_team_id
            when games_from_logs.away_score > games_from_logs.home_score then games_from_logs.away_team_id
        end as winner_team_id,
        games_from_logs.game_id is not null as is_completed,
        coalesce(synced_schedule_games.is_postponed, false) as is_postponed,
        coalesce(games_from_logs.is_neutral_site, synced_schedule_games.is_neutral_site, false) as is_neutral_site,
        synced_schedule_games.game_status_text,
        {{ later_load_id('games_from_logs.dlt_load_id', 'synced_schedule_games.dlt_load_id') }} as dlt_load_id,
        {{ raw_load_number() }} as raw_load_number

    from synced_schedule_games
    full outer join games_from_logs
        on synced_schedule_games.game_id = games_from_logs.game_id
    where coalesce(games_from_logs.game_id, synced_schedule_games.game_id) in (select game_id from games_to_process)

)

select * from joined
