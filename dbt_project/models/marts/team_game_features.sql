-- One row per team per match (both sides of every match whose teams are known, scheduled
-- matches included): what was knowable before tip-off, for models that predict the result.
-- Form (games played, win percentage, rolling points) comes only from the team's games
-- completed before the match's date; rest comes from the schedule, which is public in
-- advance. The match's own result appears only as the label is_win.
-- Incremental: a run rebuilds whole the seasons holding matches or team game rows rebuilt
-- since this table's bookmark (see macros/incremental_games.sql).
{{ config(unique_key='season') }}

with

seasons_to_process as (
    {{ loaded_since('season', built=[ref('matches'), ref('team_game_stats')]) }}
),

matches as (

    select * from {{ ref('matches') }}
    where season in (select season from seasons_to_process)

),

team_game_results as (

    select * from {{ ref('int_team_game_results') }}
    where season in (select season from seasons_to_process)

),

team_matches as (

    select
        game_id, season, season_type, game_date, is_completed,
        home_team_id as team_id, away_team_id as opponent_team_id, true as is_home,
        case when is_completed then winner_team_id = home_team_id end as is_win,
        dlt_load_id
    from matches
    where home_team_id is not null and away_team_id is not null

    union all

    select
        game_id, season, season_type, game_date, is_completed,
        away_team_id, home_team_id, false,
        case when is_completed then winner_team_id = away_team_id end,
        dlt_load_id
    from matches
    where home_team_id is not null and away_team_id is not null

),

with_rest as (

    select
        team_matches.*,
        -- Full days off since the team's previous match of the season: 0 on the second
        -- night of a back-to-back, null before the first.
        cast(
            {{ dbt.datediff(
                "lag(game_date) over (partition by team_id, season order by game_date, game_id)",
                "game_date",
                "day"
            ) }} - 1 as integer
        ) as rest_days

    from team_matches

),

-- The team's form after each completed game, to be read by the matches that follow it.
form_after_game as (

    select
        team_id,
        season,
        game_id,
        game_date,
        count(*) over (
            partition by team_id, season order by game_date, game_id
            rows between unbounded preceding and current row
        ) as games_played,
        sum(case when is_win then 1 else 0 end) over (
            partition by team_id, season order by game_date, game_id
            rows between unbounded preceding and current row
        ) as wins,
        avg(cast(points_for as double precision)) over (
            partition by team_id, season order by game_date, game_id
            rows between 4 preceding and current row
        ) as points_for_avg_last_5,
        avg(cast(points_against as double precision)) over (
            partition by team_id, season order by game_date, game_id
            rows between 4 preceding and current row
        ) as points_against_avg_last_5,
        avg(cast(points_for as double precision)) over (
            partition by team_id, season order by game_date, game_id
            rows between 9 preceding and current row
        ) as points_for_avg_last_10,
        avg(cast(points_against as double precision)) over (
            partition by team_id, season order by game_date, game_id
            rows between 9 preceding and current row
        ) as points_against_avg_last_10

    from team_game_results

),

-- Every match paired with the completed games of its team dated strictly before it; the
-- latest of them carries the form going into the match.
form_candidates as (

    select
        with_rest.game_id,
        with_rest.team_id,
        form_after_game.games_played,
        form_after_game.wins,
        form_after_game.points_for_avg_last_5,
        form_after_game.points_against_avg_last_5,
        form_after_game.points_for_avg_last_10,
        form_after_game.points_against_avg_last_10,
        row_number() over (
            partition by with_rest.game_id, with_rest.team_id
            order by form_after_game.game_date desc, form_after_game.game_id desc
        ) as recency_rank

    from with_rest
    inner join form_after_game
        on with_rest.team_id = form_after_game.team_id
        and with_rest.season = form_after_game.season
        and form_after_game.game_date < with_rest.game_date

),

team_features as (

    select
        with_rest.game_id,
        with_rest.team_id,
        with_rest.opponent_team_id,
        with_rest.season,
        with_rest.season_type,
        with_rest.game_date,
        with_rest.is_home,
        with_rest.is_completed,
        with_rest.is_win,
        with_rest.rest_days,
        coalesce(with_rest.rest_days = 0, false) as is_back_to_back,
        cast(coalesce(form_candidates.games_played, 0) as integer) as games_played,
        cast(form_candidates.wins as double precision) / form_candidates.games_played as win_percentage,
        form_candidates.points_for_avg_last_5,
        form_candidates.points_against_avg_last_5,
        form_candidates.points_for_avg_last_10,
        form_candidates.points_against_avg_last_10,
        with_rest.dlt_load_id

    from with_rest
    left join form_candidates
        on with_rest.game_id = form_candidates.game_id
        and with_rest.team_id = form_candidates.team_id
        and form_candidates.recency_rank = 1

),

opponent_features as (

    select * from team_features

),

final as (

    select
        team_features.*,
        opponent_features.rest_days as opponent_rest_days,
        opponent_features.is_back_to_back as opponent_is_back_to_back,
        opponent_features.games_played as opponent_games_played,
        opponent_features.win_percentage as opponent_win_percentage,
        opponent_features.points_for_avg_last_5 as opponent_points_for_avg_last_5,
        opponent_features.points_against_avg_last_5 as opponent_points_against_avg_last_5,
        opponent_features.points_for_avg_last_10 as opponent_points_for_avg_last_10,
        opponent_features.points_against_avg_last_10 as opponent_points_against_avg_last_10,
        {{ raw_load_number() }} as raw_load_number

    from team_features
    inner join opponent_features
        on team_features.game_id = opponent_features.game_id
        and team_features.opponent_team_id = opponent_features.team_id

)

select * from final
