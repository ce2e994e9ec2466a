-- One row per completed game per player: the player's box score line.
-- Incremental: a run re-processes every row of the games whose player log, team log or
-- schedule rows (the side comes from them) were loaded since this table's bookmark (see
-- macros/incremental_games.sql).
{{ config(unique_key=['game_id', 'player_id']) }}

with

player_game_logs as (

    select * from {{ ref('stg_nba_stats__player_game_logs') }}

),

team_games as (

    select * from {{ ref('int_team_games_with_home_away') }}

),

synced_player_game_logs as (

    select * from player_game_logs
    where season_type in {{ synced_season_types() }}

),

games_to_process as (
    {{ loaded_since('game_id', staged=[
        ref('stg_nba_stats__player_game_logs'),
        ref('stg_nba_stats__team_game_logs'),
        ref('stg_nba_stats__schedule_games'),
    ]) }}
),

with_side as (

    select
        synced_player_game_logs.game_id,
        synced_player_game_logs.player_id,
        synced_player_game_logs.player_name,
        synced_player_game_logs.team_id,
        synced_player_game_logs.season,
        synced_player_game_logs.season_type,
        synced_player_game_logs.game_date,
        coalesce(team_games.is_home, synced_player_game_logs.is_home_by_matchup) as is_home,
        synced_player_game_logs.is_win,
        synced_player_game_logs.minutes,
        synced_player_game_logs.field_goals_made,
        synced_player_game_logs.field_goals_attempted,
        synced_player_game_logs.field_goal_percentage,
        synced_player_game_logs.three_pointers_made,
        synced_player_game_logs.three_pointers_attempted,
        synced_player_game_logs.three_point_percentage,
        synced_player_game_logs.free_throws_made,
        synced_player_game_logs.free_throws_attempted,
        synced_player_game_logs.free_throw_percentage,
        synced_player_game_logs.offensive_rebounds,
        synced_player_game_logs.defensive_rebounds,
        synced_player_game_logs.rebounds,
        synced_player_game_logs.assists,
        synced_player_game_logs.steals,
        synced_player_game_logs.blocks,
        synced_player_game_logs.turnovers,
        synced_player_game_logs.personal_fouls,
        synced_player_game_logs.points,
        synced_player_game_logs.plus_minus,
        synced_player_game_logs.fantasy_points,
        synced_player_game_logs.dlt_load_id,
        {{ raw_load_number() }} as raw_load_number

    from synced_player_game_logs
    left join team_games
        on synced_player_game_logs.game_id = team_games.game_id
        and synced_player_game_logs.team_id = team_games.team_id
    where synced_player_game_logs.game_id in (select game_id from games_to_process)

)

select * from with_side
