-- One row per team per season per season type: the record so far, home and away splits,
-- points for and against, and the current streak.
-- Incremental: a run rebuilds whole the seasons holding games rebuilt since this table's
-- bookmark (see macros/incremental_games.sql).
{{ config(unique_key='season') }}

with

team_game_results as (

    select * from {{ ref('int_team_game_results') }}
    where season in ({{ loaded_since('season', built=[ref('team_game_stats')]) }})

),

ranked_by_recency as (

    select
        team_game_results.*,
        row_number() over (
            partition by team_id, season, season_type
            order by game_date desc, game_id desc
        ) as recency_rank,
        first_value(is_win) over (
            partition by team_id, season, season_type
            order by game_date desc, game_id desc
            rows between unbounded preceding and current row
        ) as is_latest_a_win

    from team_game_results

),

aggregated as (

    select
        team_id,
        season,
        season_type,
        count(*) as games,
        sum(case when is_win then 1 else 0 end) as wins,
        sum(case when not is_win then 1 else 0 end) as losses,
        sum(case when is_home and is_win then 1 else 0 end) as home_wins,
        sum(case when is_home and not is_win then 1 else 0 end) as home_losses,
        sum(case when not is_home and is_win then 1 else 0 end) as away_wins,
        sum(case when not is_home and not is_win then 1 else 0 end) as away_losses,
        sum(points_for) as points_for,
        sum(points_against) as points_against,
        max(case when is_latest_a_win then 1 else 0 end) = 1 as is_latest_a_win,
        -- The streak runs back from the latest game to the first game with the other result.
        min(case when is_win <> is_latest_a_win then recency_rank end) as first_other_result_rank,
        max(dlt_load_id) as dlt_load_id

    from ranked_by_recency
    group by team_id, season, season_type

),

final as (

    select
        team_id,
        season,
        season_type,
        cast(games as integer) as games,
        cast(wins as integer) as wins,
        cast(losses as integer) as losses,
        cast(wins as double precision) / games as win_percentage,
        cast(home_wins as integer) as home_wins,
        cast(home_losses as integer) as home_losses,
        cast(away_wins as integer) as away_wins,
        cast(away_losses as integer) as away_losses,
        cast(points_for as integer) as points_for,
        cast(points_against as integer) as points_against,
        cast(points_for - points_against as integer) as point_differential,
        case when is_latest_a_win then 'W' else 'L' end
            || cast(coalesce(first_other_result_rank - 1, games) as {{ dbt.type_string() }}) as streak,
        cast(
            case when is_latest_a_win then 1 else -1 end * coalesce(first_other_result_rank - 1, games)
            as integer
        ) as streak_games,
        dlt_load_id,
        {{ raw_load_number() }} as raw_load_number

    from aggregated

)

select * from final
