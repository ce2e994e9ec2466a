-- One row per team: its latest abbreviation and name, from the game logs where it has
-- played, otherwise from the schedule. A table, rebuilt every run: some thirty rows.
{{ config(materialized='table') }}

with

team_game_logs as (

    select * from {{ ref('stg_nba_stats__team_game_logs') }}

),

schedule_games as (

    select * from {{ ref('stg_nba_stats__schedule_games') }}

),

sightings as (

    select team_id, team_abbreviation, team_name, game_date, 1 as source_rank
    from team_game_logs

    union all

    select home_team_id, home_team_abbreviation, null, game_date, 2
    from schedule_games
    where home_team_id is not null and season_type in {{ synced_season_types() }}

    union all

    select away_team_id, away_team_abbreviation, null, game_date, 2
    from schedule_games
    where away_team_id is not null and season_type in {{ synced_season_types() }}

),

ranked as (

    select
        sightings.*,
        row_number() over (
            partition by team_id order by source_rank, game_date desc
        ) as recency_rank,
        min(game_date) over (partition by team_id) as first_game_date,
        max(game_date) over (partition by team_id) as last_game_date

    from sightings

),

latest as (

    select
        team_id,
        team_abbreviation,
        team_name,
        first_game_date,
        last_game_date

    from ranked
    where recency_rank = 1

)

select * from latest
