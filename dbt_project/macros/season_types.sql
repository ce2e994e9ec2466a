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

{#- The season types the marts hold, as a SQL list literal: the var `season_types`, which
    the loader passes from NBA_SEASON_TYPES and which defaults in dbt_project.yml, so that a
    plain `dbt run` builds what the last `nba-elt elt` built whatever its environment says.
    Games of other types (preseason, All-Star, the NBA Cup final) stay out of the marts. -#}
{% macro synced_season_types() -%}
    ({%- for name in var('season_types') -%}'{{ name | trim }}'{{ ", " if not loop.last }}{%- endfor -%})
{%- endmacro %}
