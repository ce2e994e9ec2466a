{#- The play-by-play's game clock, an ISO-8601 duration counting down ('PT07M30.00S': 7
    minutes 30 seconds left in the period), in seconds. Portable: dbt's split_part is
    the same function on DuckDB and PostgreSQL, and each warehouse's own elsewhere. -#}
{% macro clock_seconds(clock) -%}
    (
        cast(replace({{ dbt.split_part(clock, "'M'", 1) }}, 'PT', '') as integer) * 60
        + cast(replace({{ dbt.split_part(clock, "'M'", 2) }}, 'S', '') as double precision)
    )
{%- endmacro %}


{#- Seconds of the game played by the end of `period`: four periods of 12 minutes, then
    overtimes of 5. -#}
{% macro seconds_at_end_of_period(period) -%}
    (case when {{ period }} <= 4 then {{ period }} * 720 else 2880 + ({{ period }} - 4) * 300 end)
{%- endmacro %}


{#- Whether the loader fetches play-by-play: the var `play_by_play` (nba-elt passes its
    NBA_PLAY_BY_PLAY; default true in dbt_project.yml). A var given as text on the command
    line (`--vars 'play_by_play: "off"'`) reads as the setting would. -#}
{% macro play_by_play_is_on() -%}
    {{ return(var('play_by_play') | string | lower not in ('false', 'off', '0', 'no', 'none', '')) }}
{%- endmacro %}
