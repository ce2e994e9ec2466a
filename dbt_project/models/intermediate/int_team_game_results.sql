-- One row per completed game per team: the result from the team's side, points for and
-- against. The base of the season marts and of the features.
with

team_game_stats as (

    select * from {{ ref('team_game_stats') }}

),

opponent_game_stats as (

    select * from {{ ref('team_game_stats') }}

),

with_points_against as (

    select
        team_game_stats.game_id,
        team_game_stats.team_id,
        team_game_stats.opponent_team_id,
        team_game_stats.season,
        team_game_stats.season_type,
        team_game_stats.game_date,
        team_game_stats.is_home,
        team_game_stats.is_win,
        team_game_stats.points as points_for,
        opponent_game_stats.points as points_against,
        team_game_stats.dlt_load_id

    from team_game_stats
    left join opponent_game_stats
        on team_game_stats.game_id = opponent_game_stats.game_id
        and team_game_stats.opponent_team_id = opponent_game_stats.team_id

)

select * from with_points_against
