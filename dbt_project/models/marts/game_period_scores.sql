-- One row per game, team and period played (overtimes included): the points the team
-- scored in the period, from the play-by-play, and its score at the period's end. Both
-- teams have a row for every period the game played, 0 where a team did not score.
-- Incremental: a run rebuilds whole the games whose events were rebuilt since this table's
-- bookmark (see macros/incremental_games.sql).
{{ config(unique_key='game_id') }}

with

game_events as (

    select * from {{ ref('game_events') }}
    where game_id in ({{ loaded_since('game_id', built=[ref('game_events')]) }})

),

game_teams as (

    select
        game_id,
        team_id,
        max(season) as season,
        max(season_type) as season_type,
        -- The side of the team's own actions, as the feed locates them.
        max(case when is_home then 1 when not is_home then 0 end) = 1 as is_home,
        max(dlt_load_id) as dlt_load_id

    from game_events
    where team_id is not null
    group by game_id, team_id

),

game_periods as (

    select distinct game_id, period
    from game_events

),

points_by_period as (

    select
        game_id,
        team_id,
        period,
        sum(points) as points

    from game_events
    where team_id is not null
    group by game_id, team_id, period

),

every_team_period as (

    select
        game_teams.game_id,
        game_teams.season,
        game_teams.season_type,
        game_teams.team_id,
        game_teams.is_home,
        game_periods.period,
        coalesce(points_by_period.points, 0) as points,
        game_teams.dlt_load_id

    from game_teams
    inner join game_periods
        on game_teams.game_id = game_periods.game_id
    left join points_by_period
        on game_teams.game_id = points_by_period.game_id
        and game_teams.team_id = points_by_period.team_id
        and game_periods.period = points_by_period.period

),

final as (

    select
        game_id,
        season,
        season_type,
        team_id,
        is_home,
        period,
        period >= 5 as is_overtime,
        cast(points as integer) as points,
        cast(
            sum(points) over (partition by game_id, team_id order by period rows unbounded preceding)
            as integer
        ) as score_after_period,
        dlt_load_id,
        {{ raw_load_number() }} as raw_load_number

    from every_team_period

)

select * from final
