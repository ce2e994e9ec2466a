-- One row per player who has played a game of the synced season types.
-- Incremental: a run rebuilds the players whose game rows were rebuilt since this table's
-- bookmark, from all of their games (see macros/incremental_games.sql).
{{ config(unique_key='player_id') }}

with

player_game_stats as (

    select * from {{ ref('player_game_stats') }}
    where player_id in ({{ loaded_since('player_id', built=[ref('player_game_stats')]) }})

),

ranked as (

    select
        player_id,
        player_name,
        team_id,
        row_number() over (partition by player_id order by game_date desc, game_id desc) as recency_rank,
        min(game_date) over (partition by player_id) as first_game_date,
        max(game_date) over (partition by player_id) as last_game_date,
        count(*) over (partition by player_id) as games_played,
        max(dlt_load_id) over (partition by player_id) as dlt_load_id

    from player_game_stats

),

latest as (

    select
        player_id,
        player_name,
        team_id as latest_team_id,
        first_game_date,
        last_game_date,
        games_played,
        dlt_load_id,
        {{ raw_load_number() }} as raw_load_number

    from ranked
    where recency_rank = 1

)

select * from latest
