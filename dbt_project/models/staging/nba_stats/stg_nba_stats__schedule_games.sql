with

source as (

    select * from {{ source('nba_stats', 'schedule_games') }}

),

renamed as (

    select
        cast(game_id as {{ dbt.type_string() }}) as game_id,
        cast(season as {{ dbt.type_string() }}) as season,
        -- Written by the loader from the game id's third digit (loader/nba_stats/settings.py).
        cast(season_type as {{ dbt.type_string() }}) as season_type,
        -- gameDateEst carries a Z but holds the Eastern date: take the date as written.
        cast(substr(game_date_est, 1, 10) as date) as game_date,
        cast(game_status as {{ dbt.type_int() }}) as game_status_code,
        cast(game_status_text as {{ dbt.type_string() }}) as game_status_text,
        coalesce(postponed_status = 'P', false) as is_postponed,
        -- Knockout placeholders list team id 0 until the teams are known.
        cast(nullif(home_team__team_id, 0) as {{ dbt.type_bigint() }}) as home_team_id,
        cast(nullif(away_team__team_id, 0) as {{ dbt.type_bigint() }}) as away_team_id,
        cast(home_team__team_tricode as {{ dbt.type_string() }}) as home_team_abbreviation,
        cast(away_team__team_tricode as {{ dbt.type_string() }}) as away_team_abbreviation,
        -- The schedule's score of the game: 0 for both sides until it is final.
        cast(home_team__score as {{ dbt.type_int() }}) as home_score,
        cast(away_team__score as {{ dbt.type_int() }}) as away_score,
        -- Null in schedules that predate the field.
        cast(is_neutral as boolean) as is_neutral_site,
        cast(_dlt_load_id as {{ dbt.type_string() }}) as dlt_load_id

    from source

)

select * from renamed
