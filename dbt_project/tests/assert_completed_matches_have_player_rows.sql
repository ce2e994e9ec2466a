-- No completed match has zero rows in player_game_stats.
with

matches as (

    select * from {{ ref('matches') }}

),

player_game_stats as (

    select * from {{ ref('player_game_stats') }}

),

player_rows_per_match as (

    select
        matches.game_id,
        count(player_game_stats.player_id) as player_rows

    from matches
    left join player_game_stats
        on matches.game_id = player_game_stats.game_id
    where matches.is_completed
    group by matches.game_id

)

select * from player_rows_per_match
where player_rows = 0
