-- Every game the schedule calls final is completed in matches with the schedule's score.
-- A game final since yesterday may still wait for its box score (warn); a game final for
-- longer without one, or whose score still differs, is a failure.
{{ config(
    warn_if='!= 0',
    error_if="!= 0 and count(case when severity = 'fail' then 1 end) != 0",
) }}
{#- dbt appends warn_if and error_if to its count of the rows, count(*): the audit fails only
    when a row says 'fail', and warns when every row says 'warn'. -#}

with

schedule_games as (

    select * from {{ ref('stg_nba_stats__schedule_games') }}

),

matches as (

    select * from {{ ref('matches') }}

),

final_games as (

    select * from schedule_games
    where game_status_code = 3
        and season_type in {{ synced_season_types() }}

),

compared as (

    select
        final_games.game_id,
        final_games.game_date,
        coalesce(matches.is_completed, false) as is_completed,
        -- A final game whose schedule score reads 0-0 carries no score to compare.
        final_games.home_score + final_games.away_score > 0
        and not coalesce(
            matches.home_team_id = final_games.home_team_id
            and matches.away_team_id = final_games.away_team_id
            and matches.home_score = final_games.home_score
            and matches.away_score = final_games.away_score,
            false
        ) as is_score_different,
        final_games.home_team_abbreviation
            || ' ' || cast(final_games.home_score as {{ dbt.type_string() }})
            || '-' || cast(final_games.away_score as {{ dbt.type_string() }})
            || ' ' || final_games.away_team_abbreviation as schedule_score,
        coalesce(cast(matches.home_score as {{ dbt.type_string() }}), '?')
            || '-' || coalesce(cast(matches.away_score as {{ dbt.type_string() }}), '?') as box_score

    from final_games
    left join matches
        on final_games.game_id = matches.game_id

),

disagreements as (

    select
        game_id,
        game_date,
        case
            when not is_completed then 'final on ' || cast(game_date as {{ dbt.type_string() }}) || ', no box score'
            else 'schedule ' || schedule_score || ', box score ' || box_score
        end as problem,
        case
            when not is_completed and game_date >= {{ dbt.dateadd('day', -1, audit_date()) }} then 'warn'
            else 'fail'
        end as severity

    from compared
    where not is_completed or is_score_different

)

select * from disagreements
