-- One row per player who has played a game of the synced season types.
with

player_game_stats as (

    select * from {{ ref('player_game_stats') }}

),

ranked as (

    select
        player_id,
        player_name,
        team_id,
        row_number() over (partition by player_id order by game_date desc, game_id desc) as recency_rank,
        min(game_date) over (partition by player_id) as first_game_date,
        max(game_date) over (partition by player_id) as last_game_date,
        count(*) over (partition by player_id) as games_played

    from player_game_stats

),

latest as (

    select
        player_id,
        player_name,
        team_id as latest_team_id,
        first_game_date,
        last_game_date,
        games_played

    from ranked
    where recency_rank = 1

)

select * from latest
