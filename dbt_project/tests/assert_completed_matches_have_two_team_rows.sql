-- Every completed match has exactly 2 rows in team_game_stats.
with

matches as (

    select * from {{ ref('matches') }}

),

team_game_stats as (

    select * from {{ ref('team_game_stats') }}

),

team_rows_per_match as (

    select
        matches.game_id,
        count(team_game_stats.team_id) as team_rows

    from matches
    left join team_game_stats
        on matches.game_id = team_game_stats.game_id
    where matches.is_completed
    group by matches.game_id

)

select * from team_rows_per_match
where team_rows <> 2
