with

source as (

    select * from {{ source('nba_stats', 'team_game_logs') }}

),

renamed as (

    select
        cast(game_id as {{ dbt.type_string() }}) as game_id,
        cast(team_id as {{ dbt.type_bigint() }}) as team_id,
        cast(season as {{ dbt.type_string() }}) as season,
        cast(season_type as {{ dbt.type_string() }}) as season_type,
        cast(game_date as date) as game_date,
        cast(team_abbreviation as {{ dbt.type_string() }}) as team_abbreviation,
        cast(team_name as {{ dbt.type_string() }}) as team_name,
        cast(matchup as {{ dbt.type_string() }}) as matchup,
        -- "LAL vs. BOS" on the home team's row, "BOS @ LAL" on the away team's.
        matchup like '%vs.%' as is_home_by_matchup,
        case wl when 'W' then true when 'L' then false end as is_win,
        cast(min as double precision) as minutes,
        cast(fgm as {{ dbt.type_int() }}) as field_goals_made,
        cast(fga as {{ dbt.type_int() }}) as field_goals_attempted,
        cast(fg_pct as double precision) as field_goal_percentage,
        cast(fg3m as {{ dbt.type_int() }}) as three_pointers_made,
        cast(fg3a as {{ dbt.type_int() }}) as three_pointers_attempted,
        cast(fg3_pct as double precision) as three_point_percentage,
        cast(ftm as {{ dbt.type_int() }}) as free_throws_made,
        cast(fta as {{ dbt.type_int() }}) as free_throws_attempted,
        cast(ft_pct as double precision) as free_throw_percentage,
        cast(oreb as {{ dbt.type_int() }}) as offensive_rebounds,
        cast(dreb as {{ dbt.type_int() }}) as defensive_rebounds,
        cast(reb as {{ dbt.type_int() }}) as rebounds,
        cast(ast as {{ dbt.type_int() }}) as assists,
        cast(stl as {{ dbt.type_int() }}) as steals,
        cast(blk as {{ dbt.type_int() }}) as blocks,
        cast(tov as {{ dbt.type_int() }}) as turnovers,
        cast(pf as {{ dbt.type_int() }}) as personal_fouls,
        cast(pts as {{ dbt.type_int() }}) as points,
        cast(plus_minus as double precision) as plus_minus,
        cast(_dlt_load_id as {{ dbt.type_string() }}) as dlt_load_id

    from source

)

select * from renamed
