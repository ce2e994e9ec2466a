{#- The rule that keeps the incremental marts equal to a full rebuild.

    The loader merges raw rows on their natural keys, and dlt stamps every row it writes,
    new or re-fetched, with the id of that load (`_dlt_load_id`, the load's start time as
    a decimal string: ids of later loads compare greater, also as strings). So a game needs
    re-processing exactly when one of its raw rows carries a load id newer than the newest
    one the mart already holds: a stat correction inside the lookback, a scheduled game that
    became final, a postponed game whose schedule row moved, a backfilled older season alike.
    No date window to tune, and no way for a late load of old dates to slip past it.

    `games_loaded_since(relations)` renders a query of the game ids, from every relation in
    `relations` (staged rows with `game_id` and `dlt_load_id`), loaded after the newest
    `dlt_load_id` of `this`; on a first run or a --full-refresh it selects every game, and
    so it does on a table built before the marts carried `dlt_load_id`. -#}
{% macro games_loaded_since(relations) -%}
    {%- set has_bookmark = is_incremental()
        and 'dlt_load_id' in adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {%- for relation in relations %}
    select game_id from {{ relation }}
    {%- if has_bookmark %}
    where dlt_load_id > (select coalesce(max(dlt_load_id), '') from {{ this }})
    {%- endif %}
    {{ "union" if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- The later of two load ids; either may be null (a game only in the schedule). -#}
{% macro later_load_id(first, second) -%}
    case when {{ second }} is null or {{ first }} > {{ second }} then {{ first }} else {{ second }} end
{%- endmacro %}
