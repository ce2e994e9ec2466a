-- Each player's made field goals, threes and free throws in the play-by-play equal his box score.
with

matches as (

    select * from {{ ref('matches') }}

),

game_events as (

    select * from {{ ref('game_events') }}

),

player_game_stats as (

    select * from {{ ref('player_game_stats') }}

),

completed_games_with_play_by_play as (

    select game_id from matches
    where is_completed
        and game_id in (select game_id from game_events)

),

play_by_play_lines as (

    select
        game_id,
        player_id,
        sum(case when is_field_goal and is_made then 1 else 0 end) as field_goals_made,
        sum(case when is_field_goal and is_made and shot_value = 3 then 1 else 0 end) as three_pointers_made,
        sum(case when action_type = 'Free Throw' and is_made then 1 else 0 end) as free_throws_made

    from game_events
    where player_id is not null
        and game_id in (select game_id from completed_games_with_play_by_play)
    group by game_id, player_id

),

box_score_lines as (

    select * from player_game_stats
    where game_id in (select game_id from completed_games_with_play_by_play)

),

compared as (

    select
        coalesce(box_score_lines.game_id, play_by_play_lines.game_id) as game_id,
        coalesce(box_score_lines.player_id, play_by_play_lines.player_id) as player_id,
        coalesce(play_by_play_lines.field_goals_made, 0) as play_by_play_field_goals_made,
        coalesce(play_by_play_lines.three_pointers_made, 0) as play_by_play_three_pointers_made,
        coalesce(play_by_play_lines.free_throws_made, 0) as play_by_play_free_throws_made,
        -- A player without a box score line (on the floor or the bench without playing) made
        -- nothing by the box score; a stat the line lacks is audit.box_score_gaps' to report.
        case when box_score_lines.player_id is null then 0 else box_score_lines.field_goals_made end
            as box_score_field_goals_made,
        case when box_score_lines.player_id is null then 0 else box_score_lines.three_pointers_made end
            as box_score_three_pointers_made,
        case when box_score_lines.player_id is null then 0 else box_score_lines.free_throws_made end
            as box_score_free_throws_made

    from box_score_lines
    full outer join play_by_play_lines
        on box_score_lines.game_id = play_by_play_lines.game_id
        and box_score_lines.player_id = play_by_play_lines.player_id

),

disagreements as (

    select
        game_id,
        player_id,
        'player ' || cast(player_id as {{ dbt.type_string() }})
            || ' made ' || cast(play_by_play_field_goals_made as {{ dbt.type_string() }})
            || ' FG, ' || cast(play_by_play_three_pointers_made as {{ dbt.type_string() }})
            || ' 3PT, ' || cast(play_by_play_free_throws_made as {{ dbt.type_string() }})
            || ' FT in the play-by-play, '
            || coalesce(cast(box_score_field_goals_made as {{ dbt.type_string() }}), '?')
            || ', ' || coalesce(cast(box_score_three_pointers_made as {{ dbt.type_string() }}), '?')
            || ', ' || coalesce(cast(box_score_free_throws_made as {{ dbt.type_string() }}), '?')
            || ' in the box score' as problem

    from compared
    where play_by_play_field_goals_made <> box_score_field_goals_made
        or play_by_play_three_pointers_made <> box_score_three_pointers_made
        or play_by_play_free_throws_made <> box_score_free_throws_made

)

select * from disagreements
