-- One row per box score line (a team's or a player's, of a completed game) that lacks a stat
-- its season kept (macros/box_score_columns.sql, box_score_eras): the API left it out. The
-- audit assert_box_scores_have_the_stats_their_season_kept warns of each game, and the
-- loader re-fetches the game logs from the earliest such game (loader/runs/reconcile.py).
-- Percentages are left out: they are null, rightly, without attempts.
{%- set team_stats = [
    'minutes', 'field_goals_made', 'field_goals_attempted', 'three_pointers_made',
    'three_pointers_attempted', 'free_throws_made', 'free_throws_attempted', 'offensive_rebounds',
    'defensive_rebounds', 'rebounds', 'assists', 'steals', 'blocks', 'turnovers', 'personal_fouls',
    'points', 'plus_minus',
] %}

with

team_game_stats as (

    select * from {{ ref('team_game_stats') }}

),

player_game_stats as (

    select * from {{ ref('player_game_stats') }}

),

team_lines as (

    select
        game_id,
        season,
        season_type,
        game_date,
        team_id,
        cast(null as {{ dbt.type_bigint() }}) as player_id,
        {{ missing_stats(team_stats, for_players=false) }} as missing_stats

    from team_game_stats
    where {{ lacks_a_kept_stat(team_stats, for_players=false) }}

),

player_lines as (

    select
        game_id,
        season,
        season_type,
        game_date,
        team_id,
        player_id,
        {{ missing_stats(team_stats, for_players=true) }} as missing_stats

    from player_game_stats
    where {{ lacks_a_kept_stat(team_stats, for_players=true) }}

),

lines as (

    select * from team_lines
    union all
    select * from player_lines

)

select * from lines
