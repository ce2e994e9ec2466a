{#- Columns of a season line built from summed box scores, shared by team_season_stats
    and player_season_stats: the totals of the counting stats, then shooting percentages
    (null without attempts). Both expect the summed columns in the relation selected from. -#}
{% macro counting_stat_totals() -%}
cast(field_goals_made as integer) as field_goals_made,
        cast(field_goals_attempted as integer) as field_goals_attempted,
        cast(three_pointers_made as integer) as three_pointers_made,
        cast(three_pointers_attempted as integer) as three_pointers_attempted,
        cast(free_throws_made as integer) as free_throws_made,
        cast(free_throws_attempted as integer) as free_throws_attempted,
        cast(offensive_rebounds as integer) as offensive_rebounds,
        cast(defensive_rebounds as integer) as defensive_rebounds,
        cast(rebounds as integer) as rebounds,
        cast(assists as integer) as assists,
        cast(steals as integer) as steals,
        cast(blocks as integer) as blocks,
        cast(turnovers as integer) as turnovers,
        cast(personal_fouls as integer) as personal_fouls,
{%- endmacro %}

{% macro shooting_percentages() -%}
cast(field_goals_made as double precision) / nullif(field_goals_attempted, 0) as field_goal_percentage,
        cast(three_pointers_made as double precision) / nullif(three_pointers_attempted, 0) as three_point_percentage,
        cast(free_throws_made as double precision) / nullif(free_throws_attempted, 0) as free_throw_percentage
{%- endmacro %}
