-- One row per completed game per team: the team's box score, home/away side and opponent.
-- Incremental: a run re-processes every row of the games whose team log or schedule rows
-- (the side comes from the schedule) were loaded since this table's bookmark (see
-- macros/incremental_games.sql).
{{ config(unique_key=['game_id', 'team_id']) }}

with

team_games as (

    select * from {{ ref('int_team_games_with_home_away') }}

),

matches as (

    select * from {{ ref('int_team_games_pivoted_to_matches') }}

),

games_to_process as (
    {{ loaded_since('game_id', staged=[ref('stg_nba_stats__team_game_logs'), ref('stg_nba_stats__schedule_games')]) }}
),

with_opponent as (

    select
        team_games.game_id,
        team_games.team_id,
        case when team_games.is_home then matches.away_team_id else matches.home_team_id end as opponent_team_id,
        team_games.season,
        team_games.season_type,
        team_games.game_date,
        team_games.is_home,
        team_games.is_neutral_site,
        team_games.is_win,
        team_games.minutes,
        team_games.field_goals_made,
        team_games.field_goals_attempted,
        team_games.field_goal_percentage,
        team_games.three_pointers_made,
        team_games.three_pointers_attempted,
        team_games.three_point_percentage,
        team_games.free_throws_made,
        team_games.free_throws_attempted,
        team_games.free_throw_percentage,
        team_games.offensive_rebounds,
        team_games.defensive_rebounds,
        team_games.rebounds,
        team_games.assists,
        team_games.steals,
        team_games.blocks,
        team_games.turnovers,
        team_games.personal_fouls,
        team_games.points,
        team_games.plus_minus,
        team_games.dlt_load_id,
        {{ raw_load_number() }} as raw_load_number

    from team_games
    inner join matches
        on team_games.game_id = matches.game_id
    where team_games.game_id in (select game_id from games_to_process)

)

select * from with_opponent
