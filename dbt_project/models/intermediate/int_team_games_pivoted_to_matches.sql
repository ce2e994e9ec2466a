-- One row per game found in the team game logs: its two team rows side by side.
with

team_games as (

    select * from {{ ref('int_team_games_with_home_away') }}

),

pivoted as (

    select
        game_id,
        max(season) as season,
        max(season_type) as season_type,
        max(game_date) as game_date,
        max(case when is_home then team_id end) as home_team_id,
        max(case when not is_home then team_id end) as away_team_id,
        max(case when is_home then points end) as home_score,
        max(case when not is_home then points end) as away_score,
        max(case when is_neutral_site then 1 else 0 end) = 1 as is_neutral_site,
        count(*) as team_rows,
        max(dlt_load_id) as dlt_load_id

    from team_games
    group by game_id

)

select * from pivoted
