-- The team game logs of the synced season types, each row told whether it is the home side
-- and whether the game was played at a neutral site. The rule, in order:
--   1. the schedule's designation, where the schedule has the game with both its teams;
--   2. otherwise the log's matchup, where the game's two rows disagree ("LAL vs. BOS" on the
--      home team's row, "BOS @ LAL" on the away team's);
--   3. otherwise (history's neutral-site games, "@" or "vs." on both rows) the team with the
--      lower team_id is home: arbitrary but deterministic, and flagged by is_neutral_site.
-- is_neutral_site is the schedule's word where it has one (newer schedules), else true
-- exactly when the logs do not designate.
with

team_game_logs as (

    select * from {{ ref('stg_nba_stats__team_game_logs') }}

),

schedule_games as (

    select * from {{ ref('stg_nba_stats__schedule_games') }}

),

synced_team_game_logs as (

    select * from team_game_logs
    where season_type in {{ synced_season_types() }}

),

with_game_markers as (

    select
        synced_team_game_logs.*,
        -- Two rows whose matchups say the same thing ("@" and "@", or "vs." and "vs.").
        count(*) over (partition by game_id) = 2
        and sum(case when is_home_by_matchup then 1 else 0 end) over (partition by game_id) <> 1
            as is_undesignated_by_logs,
        min(team_id) over (partition by game_id) as lower_team_id

    from synced_team_game_logs

),

designated as (

    select
        with_game_markers.*,
        case
            when schedule_games.home_team_id = with_game_markers.team_id then true
            when schedule_games.away_team_id = with_game_markers.team_id then false
            when with_game_markers.is_undesignated_by_logs
                then with_game_markers.team_id = with_game_markers.lower_team_id
            else with_game_markers.is_home_by_matchup
        end as is_home,
        coalesce(schedule_games.is_neutral_site, with_game_markers.is_undesignated_by_logs) as is_neutral_site

    from with_game_markers
    left join schedule_games
        on with_game_markers.game_id = schedule_games.game_id

)

select * from designated
