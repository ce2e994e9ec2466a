-- The team game logs of the synced season types, each row told whether it is the home side:
-- by the schedule's designation where the schedule has the game with both its teams,
-- otherwise by the log's own matchup ("vs." is home).
with

team_game_logs as (

    select * from {{ ref('stg_nba_stats__team_game_logs') }}

),

schedule_games as (

    select * from {{ ref('stg_nba_stats__schedule_games') }}

),

synced_team_game_logs as (

    select * from team_game_logs
    where season_type in {{ synced_season_types() }}

),

designated as (

    select
        synced_team_game_logs.*,
        case
            when schedule_games.home_team_id = synced_team_game_logs.team_id then true
            when schedule_games.away_team_id = synced_team_game_logs.team_id then false
            else synced_team_game_logs.is_home_by_matchup
        end as is_home

    from synced_team_game_logs
    left join schedule_games
        on synced_team_game_logs.game_id = schedule_games.game_id

)

select * from designated
