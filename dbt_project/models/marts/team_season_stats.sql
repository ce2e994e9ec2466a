-- One row per team per season per season type: box score totals and per-game averages.
-- Incremental: a run rebuilds whole the seasons holding games rebuilt since this table's
-- bookmark (see macros/incremental_games.sql).
{{ config(unique_key='season') }}

with

team_game_stats as (

    select * from {{ ref('team_game_stats') }}
    where season in ({{ loaded_since('season', built=[ref('team_game_stats')]) }})

),

team_game_results as (

    select * from {{ ref('int_team_game_results') }}

),

totals as (

    select
        team_game_stats.team_id,
        team_game_stats.season,
        team_game_stats.season_type,
        count(*) as games,
        sum(case when team_game_stats.is_win then 1 else 0 end) as wins,
        sum(team_game_stats.points) as points,
        sum(team_game_results.points_against) as points_against,
        sum(team_game_stats.field_goals_made) as field_goals_made,
        sum(team_game_stats.field_goals_attempted) as field_goals_attempted,
        sum(team_game_stats.three_pointers_made) as three_pointers_made,
        sum(team_game_stats.three_pointers_attempted) as three_pointers_attempted,
        sum(team_game_stats.free_throws_made) as free_throws_made,
        sum(team_game_stats.free_throws_attempted) as free_throws_attempted,
        sum(team_game_stats.offensive_rebounds) as offensive_rebounds,
        sum(team_game_stats.defensive_rebounds) as defensive_rebounds,
        sum(team_game_stats.rebounds) as rebounds,
        sum(team_game_stats.assists) as assists,
        sum(team_game_stats.steals) as steals,
        sum(team_game_stats.blocks) as blocks,
        sum(team_game_stats.turnovers) as turnovers,
        sum(team_game_stats.personal_fouls) as personal_fouls,
        max(team_game_stats.dlt_load_id) as dlt_load_id

    from team_game_stats
    inner join team_game_results
        on team_game_stats.game_id = team_game_results.game_id
        and team_game_stats.team_id = team_game_results.team_id
    group by team_game_stats.team_id, team_game_stats.season, team_game_stats.season_type

),

final as (

    select
        team_id,
        season,
        season_type,
        cast(games as integer) as games,
        cast(wins as integer) as wins,
        cast(games - wins as integer) as losses,
        cast(points as integer) as points,
        cast(points_against as integer) as points_against,
        {{ counting_stat_totals() }}
        cast(points as double precision) / games as points_per_game,
        cast(points_against as double precision) / games as points_against_per_game,
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
