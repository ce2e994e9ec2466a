-- Each team's points in a completed match's play-by-play equal its score in matches.
with

matches as (

    select * from {{ ref('matches') }}

),

game_events as (

    select * from {{ ref('game_events') }}

),

team_points as (

    select
        game_id,
        team_id,
        sum(points) as points

    from game_events
    where team_id is not null
    group by game_id, team_id

),

games_with_play_by_play as (

    select distinct game_id from game_events

),

compared as (

    select
        matches.game_id,
        matches.game_date,
        matches.home_score,
        matches.away_score,
        coalesce(home_points.points, 0) as home_points,
        coalesce(away_points.points, 0) as away_points

    from matches
    inner join games_with_play_by_play
        on matches.game_id = games_with_play_by_play.game_id
    left join team_points as home_points
        on matches.game_id = home_points.game_id
        and matches.home_team_id = home_points.team_id
    left join team_points as away_points
        on matches.game_id = away_points.game_id
        and matches.away_team_id = away_points.team_id
    where matches.is_completed

),

disagreements as (

    select
        game_id,
        game_date,
        'play-by-play ' || cast(home_points as {{ dbt.type_string() }})
            || '-' || cast(away_points as {{ dbt.type_string() }})
            || ', match ' || coalesce(cast(home_score as {{ dbt.type_string() }}), '?')
            || '-' || coalesce(cast(away_score as {{ dbt.type_string() }}), '?') as problem

    from compared
    where not coalesce(home_points = home_score and away_points = away_score, false)

)

select * from disagreements
