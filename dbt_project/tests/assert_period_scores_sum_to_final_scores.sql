-- A completed match's period scores cover every period for both teams and sum to its score.
with

matches as (

    select * from {{ ref('matches') }}

),

game_period_scores as (

    select * from {{ ref('game_period_scores') }}

),

team_totals as (

    select
        game_id,
        team_id,
        sum(points) as points,
        count(*) as periods

    from game_period_scores
    group by game_id, team_id

),

games_with_period_scores as (

    select distinct game_id from game_period_scores

),

compared as (

    select
        matches.game_id,
        matches.game_date,
        matches.home_score,
        matches.away_score,
        coalesce(home_totals.points, 0) as home_points,
        coalesce(away_totals.points, 0) as away_points,
        coalesce(home_totals.periods, 0) as home_periods,
        coalesce(away_totals.periods, 0) as away_periods

    from matches
    inner join games_with_period_scores
        on matches.game_id = games_with_period_scores.game_id
    left join team_totals as home_totals
        on matches.game_id = home_totals.game_id
        and matches.home_team_id = home_totals.team_id
    left join team_totals as away_totals
        on matches.game_id = away_totals.game_id
        and matches.away_team_id = away_totals.team_id
    where matches.is_completed

),

disagreements as (

    select
        game_id,
        game_date,
        'periods sum to ' || cast(home_points as {{ dbt.type_string() }})
            || '-' || cast(away_points as {{ dbt.type_string() }})
            || ' over ' || cast(home_periods as {{ dbt.type_string() }})
            || ' and ' || cast(away_periods as {{ dbt.type_string() }}) || ' periods'
            || ', match ' || coalesce(cast(home_score as {{ dbt.type_string() }}), '?')
            || '-' || coalesce(cast(away_score as {{ dbt.type_string() }}), '?') as problem

    from compared
    where not coalesce(home_points = home_score and away_points = away_score, false)
        or home_periods <> away_periods

)

select * from disagreements
