-- One row per play-by-play action of a game: when it happened, who did it, the points it
-- scored and the running score after it.
-- Incremental: a run rebuilds whole the games whose play-by-play was loaded since this
-- table's bookmark (see macros/incremental_games.sql); the loader replaces a game's actions
-- whole, so an action the API dropped leaves the mart with it.
{{ config(unique_key='game_id') }}

with

play_by_play_actions as (

    select * from {{ ref('stg_nba_stats__play_by_play_actions') }}

),

games_to_process as (
    {{ loaded_since('game_id', staged=[ref('stg_nba_stats__play_by_play_actions')]) }}
),

synced_actions as (

    select * from play_by_play_actions
    where season_type in {{ synced_season_types() }}
        and game_id in (select game_id from games_to_process)

),

scored as (

    select
        synced_actions.*,
        case
            when is_field_goal then shot_result = 'Made'
            -- A free throw has no shot result: a missed one's description starts with MISS
            -- (and it leaves the score empty, the sign where a description is missing).
            when action_type = 'Free Throw' then coalesce(description not like 'MISS%', home_score is not null)
        end as is_made

    from synced_actions

),

with_points as (

    select
        scored.*,
        case
            when is_field_goal and is_made then shot_value
            when action_type = 'Free Throw' and is_made then 1
            else 0
        end as points,
        -- The API fills the score only where it changes (and at the periods' ends): the
        -- latest filled one is the score after every action up to the next. PostgreSQL has
        -- no `ignore nulls`; the running count of filled scores numbers each stretch instead.
        count(home_score) over (partition by game_id order by action_id rows unbounded preceding) as home_score_stretch,
        count(away_score) over (partition by game_id order by action_id rows unbounded preceding) as away_score_stretch

    from scored

),

carried_forward as (

    select
        game_id,
        action_id,
        season,
        season_type,
        action_number,
        period,
        seconds_left_in_period,
        {{ seconds_at_end_of_period('period') }} - seconds_left_in_period as seconds_elapsed,
        team_id,
        is_home,
        player_id,
        action_type,
        sub_type,
        is_field_goal,
        case when is_field_goal then shot_value end as shot_value,
        shot_result,
        is_made,
        case when is_field_goal then x end as x,
        case when is_field_goal then y end as y,
        case when is_field_goal then shot_distance end as shot_distance,
        cast(points as integer) as points,
        -- Before the first filled score (the opening tip has 0-0) the score is 0-0.
        coalesce(max(home_score) over (partition by game_id, home_score_stretch), 0) as home_score,
        coalesce(max(away_score) over (partition by game_id, away_score_stretch), 0) as away_score,
        description,
        dlt_load_id,
        {{ raw_load_number() }} as raw_load_number

    from with_points

)

select * from carried_forward
