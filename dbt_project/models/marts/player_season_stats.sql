-- One row per player per season per season type: box score totals and per-game averages,
-- with the team of the player's latest game.
-- Incremental: a run rebuilds whole the seasons holding games rebuilt since this table's
-- bookmark (see macros/incremental_games.sql).
{{ config(unique_key='season') }}

with

player_game_stats as (

    select * from {{ ref('player_game_stats') }}
    where season in ({{ loaded_since('season', built=[ref('player_game_stats')]) }})

),

ranked_by_recency as (

    select
        player_game_stats.*,
        row_number() over (
            partition by player_id, season, season_type
            order by game_date desc, game_id desc
        ) as recency_rank

    from player_game_stats

),

totals as (

    select
        player_id,
        season,
        season_type,
        max(case when recency_rank = 1 then player_name end) as player_name,
        max(case when recency_rank = 1 then team_id end) as latest_team_id,
        count(*) as games,
        sum(minutes) as minutes,
        sum(points) as points,
        sum(field_goals_made) as field_goals_made,
        sum(field_goals_attempted) as field_goals_attempted,
        sum(three_pointers_made) as three_pointers_made,
        sum(three_pointers_attempted) as three_pointers_attempted,
        sum(free_throws_made) as free_throws_made,
        sum(free_throws_attempted) as free_throws_attempted,
        sum(offensive_rebounds) as offensive_rebounds,
        sum(defensive_rebounds) as defensive_rebounds,
        sum(rebounds) as rebounds,
        sum(assists) as assists,
        sum(steals) as steals,
        sum(blocks) as blocks,
        sum(turnovers) as turnovers,
        sum(personal_fouls) as personal_fouls,
        max(dlt_load_id) as dlt_load_id

    from ranked_by_recency
    group by player_id, season, season_type

),

final as (

    select
        player_id,
        season,
        season_type,
        player_name,
        latest_team_id,
        cast(games as integer) as games,
        cast(minutes as double precision) as minutes,
        cast(points as integer) as points,
        {{ counting_stat_totals() }}
        cast(minutes as double precision) / games as minutes_per_game,
        cast(points as double precision) / games as points_per_game,
        cast(rebounds as double precision) / games as rebounds_per_game,
        cast(assists as double precision) / games as assists_per_game,
        cast(steals as double precision) / games as steals_per_game,
        cast(blocks as double precision) / games as blocks_per_game,
        cast(turnovers as double precision) / games as turnovers_per_game,
        {{ shooting_percentages() }},
        dlt_load_id,
        {{ raw_load_number() }} as raw_load_number

    from totals

)

select * from final
