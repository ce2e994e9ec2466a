{#- The first season whose box scores keep each stat, by column of the staging models: before
    it the league did not record the stat, and the marts hold null (never 0), so that no
    total or average pretends to know it. `players_only`: the team log kept it all along.
    The one home of this rule: staging applies it, and audit.box_score_gaps reads it to tell
    a stat the API left out from one the era never had. -#}
{% macro box_score_eras() -%}
    {{ return({
        'offensive_rebounds': {'first_season': 1973},
        'defensive_rebounds': {'first_season': 1973},
        'steals': {'first_season': 1973},
        'blocks': {'first_season': 1973},
        'turnovers': {'first_season': 1977},
        'three_pointers_made': {'first_season': 1979},
        'three_pointers_attempted': {'first_season': 1979},
        'three_point_percentage': {'first_season': 1979},
        'minutes': {'first_season': 1951, 'players_only': true},
        'plus_minus': {'first_season': 1996, 'players_only': true},
    }) }}
{%- endmacro %}


{#- The season's start year, from the loader's `season` column ('1979-80' -> 1979). -#}
{% macro season_start_year(season) -%}
    cast(substr({{ season }}, 1, 4) as {{ dbt.type_int() }})
{%- endmacro %}


{#- `expression as column`, null in the seasons before the stat was kept. -#}
{% macro kept_stat(expression, column, for_players) -%}
    {%- set era = box_score_eras().get(column) -%}
    {%- if era is none or (era.get('players_only') and not for_players) -%}
        {{ expression }} as {{ column }}
    {%- else -%}
        case when {{ season_start_year('season') }} >= {{ era.first_season }} then {{ expression }} end as {{ column }}
    {%- endif -%}
{%- endmacro %}


{#- The renamed, cast box score columns that the team and player game logs share: the
    API's abbreviations become words here, once, for both staging models. -#}
{% macro box_score_columns(for_players=false) -%}
cast(team_abbreviation as {{ dbt.type_string() }}) as team_abbreviation,
        cast(team_name as {{ dbt.type_string() }}) as team_name,
        cast(matchup as {{ dbt.type_string() }}) as matchup,
        -- "LAL vs. BOS" on the home team's row, "BOS @ LAL" on the away team's.
        matchup like '%vs.%' as is_home_by_matchup,
        case wl when 'W' then true when 'L' then false end as is_win,
        {{ kept_stat('cast(min as double precision)', 'minutes', for_players) }},
        cast(fgm as {{ dbt.type_int() }}) as field_goals_made,
        cast(fga as {{ dbt.type_int() }}) as field_goals_attempted,
        cast(fg_pct as double precision) as field_goal_percentage,
        {{ kept_stat('cast(fg3m as ' ~ dbt.type_int() ~ ')', 'three_pointers_made', for_players) }},
        {{ kept_stat('cast(fg3a as ' ~ dbt.type_int() ~ ')', 'three_pointers_attempted', for_players) }},
        {{ kept_stat('cast(fg3_pct as double precision)', 'three_point_percentage', for_players) }},
        cast(ftm as {{ dbt.type_int() }}) as free_throws_made,
        cast(fta as {{ dbt.type_int() }}) as free_throws_attempted,
        cast(ft_pct as double precision) as free_throw_percentage,
        {{ kept_stat('cast(oreb as ' ~ dbt.type_int() ~ ')', 'offensive_rebounds', for_players) }},
        {{ kept_stat('cast(dreb as ' ~ dbt.type_int() ~ ')', 'defensive_rebounds', for_players) }},
        cast(reb as {{ dbt.type_int() }}) as rebounds,
        cast(ast as {{ dbt.type_int() }}) as assists,
        {{ kept_stat('cast(stl as ' ~ dbt.type_int() ~ ')', 'steals', for_players) }},
        {{ kept_stat('cast(blk as ' ~ dbt.type_int() ~ ')', 'blocks', for_players) }},
        {{ kept_stat('cast(tov as ' ~ dbt.type_int() ~ ')', 'turnovers', for_players) }},
        cast(pf as {{ dbt.type_int() }}) as personal_fouls,
        cast(pts as {{ dbt.type_int() }}) as points,
        {{ kept_stat('cast(plus_minus as double precision)', 'plus_minus', for_players) }},
{%- endmacro %}


{#- True where `column` is null although its season kept it. -#}
{% macro is_missing_stat(column, for_players) -%}
    {%- set era = box_score_eras().get(column) -%}
    {%- if era is none or (era.get('players_only') and not for_players) -%}
        {{ column }} is null
    {%- else -%}
        ({{ column }} is null and {{ season_start_year('season') }} >= {{ era.first_season }})
    {%- endif -%}
{%- endmacro %}


{#- A row filter: the line lacks at least one of `columns` that its season kept. -#}
{% macro lacks_a_kept_stat(columns, for_players) -%}
    ({% for column in columns %}{{ is_missing_stat(column, for_players) }}{{ " or " if not loop.last }}{% endfor %})
{%- endmacro %}


{#- The names of the `columns` the line lacks although its season kept them, comma-separated. -#}
{% macro missing_stats(columns, for_players) -%}
    rtrim(
        {%- for column in columns %}
        coalesce(case when {{ is_missing_stat(column, for_players) }} then '{{ column }}, ' end, '')
        {{- " ||" if not loop.last }}
        {%- endfor %},
        ', '
    )
{%- endmacro %}
