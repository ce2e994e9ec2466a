-- Every box score line of a completed game carries each stat its season kept (a warning:
-- the loader re-fetches such games until the API fills them in).
{{ config(severity='warn') }}

with

box_score_gaps as (

    select * from {{ ref('box_score_gaps') }}

),

per_game as (

    select
        game_id,
        min(game_date) as game_date,
        missing_stats || ' missing on ' || cast(count(*) as {{ dbt.type_string() }}) || ' line(s)' as problem

    from box_score_gaps
    group by game_id, missing_stats

)

select * from per_game
