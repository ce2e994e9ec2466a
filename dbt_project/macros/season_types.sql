{#- The season type a game id encodes in its third digit (0021800001: regular season). -#}
{% macro season_type_of(game_id) -%}
    case substr({{ game_id }}, 3, 1)
        when '1' then 'Pre Season'
        when '2' then 'Regular Season'
        when '3' then 'All Star'
        when '4' then 'Playoffs'
        when '5' then 'PlayIn'
        when '6' then 'NBA Cup'
    end
{%- endmacro %}

{#- The season types the loader syncs (NBA_SEASON_TYPES), as a SQL list literal.
    Games of other types (preseason, All-Star, the NBA Cup final) stay out of the marts. -#}
{% macro synced_season_types() -%}
    {%- set names = env_var('NBA_SEASON_TYPES', 'Regular Season,PlayIn,Playoffs').split(',') -%}
    ({%- for name in names -%}'{{ name | trim }}'{{ ", " if not loop.last }}{%- endfor -%})
{%- endmacro %}
