-- A team's points in a game equal the sum of its players' points.
with

team_game_stats as (

    select * from {{ ref('team_game_stats') }}

),

player_game_stats as (

    select * from {{ ref('player_game_stats') }}

),

player_points as (

    select
        game_id,
        team_id,
        sum(points) as player_points

    from player_game_stats
    group by game_id, team_id

),

compared as (

    select
        team_game_stats.game_id,
        team_game_stats.team_id,
        team_game_stats.points as team_points,
        player_points.player_points

    from team_game_stats
    inner join player_points
        on team_game_stats.game_id = player_points.game_id
        and team_game_stats.team_id = player_points.team_id

)

select * from compared
where team_points <> player_points
