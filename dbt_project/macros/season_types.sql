{#- The season types the marts hold, as a SQL list literal: the var `season_types`, which
    the loader passes from NBA_SEASON_TYPES and which defaults in dbt_project.yml, so that a
    plain `dbt run` builds what the last `nba-elt elt` built whatever its environment says.
    Games of other types (preseason, All-Star, the NBA Cup final) stay out of the marts. -#}
{% macro synced_season_types() -%}
    ({%- for name in var('season_types') -%}'{{ name | trim }}'{{ ", " if not loop.last }}{%- endfor -%})
{%- endmacro %}
