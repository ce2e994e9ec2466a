-- One row per field-goal attempt of a game's play-by-play: where and when it was taken,
-- by whom, whether it went in, and the shooter's team's margin before it.
-- Incremental: a run rebuilds whole the games whose events were rebuilt since this table's
-- bookmark (see macros/incremental_games.sql).
{{ config(unique_key='game_id') }}

with

game_events as (

    select * from {{ ref('game_events') }}
    where game_id in ({{ loaded_since('game_id', built=[ref('game_events')]) }})

),

with_score_before as (

    select
        game_events.*,
        -- The score before an action is the score after the one before it.
        coalesce(lag(home_score) over (partition by game_id order by action_id), 0) as home_score_before,
        coalesce(lag(away_score) over (partition by game_id order by action_id), 0) as away_score_before

    from game_events

),

field_goal_attempts as (

    select
        game_id,
        action_id,
        season,
        season_type,
        period,
        seconds_left_in_period,
        seconds_elapsed,
        team_id,
        player_id,
        is_home,
        -- The kind of shot, e.g. Jump Shot, Driving Layup Shot.
        sub_type as shot_type,
        shot_value,
        is_made,
        x,
        y,
        shot_distance,
        cast(
            case
                when is_home then home_score_before - away_score_before
                when not is_home then away_score_before - home_score_before
            end as integer
        ) as score_margin_before_shot,
        description,
        dlt_load_id,
        {{ raw_load_number() }} as raw_load_number

    from with_score_before
    where is_field_goal

)

select * from field_goal_attempts
