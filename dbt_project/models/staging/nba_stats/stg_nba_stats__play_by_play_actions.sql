{#- Person ids from this one on are teams' (1610612737, ...), below it players'. -#}
{%- set first_team_id = 1610000000 %}

with

source as (

    select * from {{ source('nba_stats', 'play_by_play_actions') }}

),

renamed as (

    select
        cast(game_id as {{ dbt.type_string() }}) as game_id,
        -- The action's key within the game and the feed's order; action_number repeats (a
        -- steal or a block reuses the number of the turnover or shot it belongs to).
        cast(action_id as {{ dbt.type_bigint() }}) as action_id,
        cast(action_number as {{ dbt.type_bigint() }}) as action_number,
        cast(season as {{ dbt.type_string() }}) as season,
        cast(season_type as {{ dbt.type_string() }}) as season_type,
        cast(period as {{ dbt.type_int() }}) as period,
        cast(clock as {{ dbt.type_string() }}) as clock,
        {{ clock_seconds('clock') }} as seconds_left_in_period,
        -- Team events (timeouts, team rebounds, team fouls) carry team id 0 and the team's
        -- id as their person id; neutral rows (periods, replays) carry 0 and no team.
        cast(
            case
                when team_id <> 0 then team_id
                when person_id >= {{ first_team_id }} then person_id
            end as {{ dbt.type_bigint() }}
        ) as team_id,
        cast(team_tricode as {{ dbt.type_string() }}) as team_abbreviation,
        cast(
            case when team_id <> 0 and person_id > 0 and person_id < {{ first_team_id }} then person_id end
            as {{ dbt.type_bigint() }}
        ) as player_id,
        cast(player_name as {{ dbt.type_string() }}) as player_name,
        cast(player_name_i as {{ dbt.type_string() }}) as player_short_name,
        case location when 'h' then true when 'v' then false end as is_home,
        -- Null on steals and blocks.
        cast(action_type as {{ dbt.type_string() }}) as action_type,
        cast(sub_type as {{ dbt.type_string() }}) as sub_type,
        cast(description as {{ dbt.type_string() }}) as description,
        is_field_goal = 1 as is_field_goal,
        -- 2 or 3 on field goals, 0 on free throws and everything else.
        cast(shot_value as {{ dbt.type_int() }}) as shot_value,
        -- Made or Missed on field goals; null on free throws.
        cast(shot_result as {{ dbt.type_string() }}) as shot_result,
        -- Feet; the legacy coordinates are tenths of a foot from the basket, 0 off field goals.
        cast(shot_distance as {{ dbt.type_int() }}) as shot_distance,
        cast(x_legacy as {{ dbt.type_int() }}) as x,
        cast(y_legacy as {{ dbt.type_int() }}) as y,
        -- The score after the action, filled only on scoring actions and at the periods' ends.
        cast(score_home as {{ dbt.type_int() }}) as home_score,
        cast(score_away as {{ dbt.type_int() }}) as away_score,
        -- Both teams' points after a scoring action; 0 elsewhere.
        cast(points_total as {{ dbt.type_int() }}) as total_points,
        video_available <> 0 as has_video,
        cast(_dlt_load_id as {{ dbt.type_string() }}) as dlt_load_id

    from source

)

select * from renamed
