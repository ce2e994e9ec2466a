with

source as (

    select * from {{ source('nba_stats', 'player_game_logs') }}

),

renamed as (

    select
        cast(game_id as {{ dbt.type_string() }}) as game_id,
        cast(player_id as {{ dbt.type_bigint() }}) as player_id,
        cast(player_name as {{ dbt.type_string() }}) as player_name,
        cast(team_id as {{ dbt.type_bigint() }}) as team_id,
        cast(season as {{ dbt.type_string() }}) as season,
        cast(season_type as {{ dbt.type_string() }}) as season_type,
        cast(game_date as date) as game_date,
        {{ box_score_columns(for_players=true) }}
        cast(fantasy_pts as double precision) as fantasy_points,
        cast(_dlt_load_id as {{ dbt.type_string() }}) as dlt_load_id

    from source

)

select * from renamed
