{#- The rule that keeps the incremental marts equal to a full rebuild.

    The loader merges raw rows on their natural keys, and dlt stamps every row it writes,
    new or re-fetched, with the id of that load (`_dlt_load_id`, the load's start time as
    a decimal string: ids of later loads compare greater, also as strings). So a game needs
    re-processing exactly when one of its raw rows carries a load id newer than the newest
    one the mart already holds: a stat correction inside the lookback, a scheduled game that
    became final, a postponed game whose schedule row moved, a backfilled older season alike.
    No date window to tune, and no way for a late load of old dates to slip past it.

    The season marts (and `players`) follow the same rule one level up: a season whose games
    were loaded since is rebuilt whole, its rows deleted and inserted again, because a
    season's totals, standings and rolling form depend on all of its games.

    `loaded_since(key, relations)` renders a query of the `key` values (`game_id`, `season`,
    `player_id`) of the rows of every relation in `relations` (rows with `key` and
    `dlt_load_id`) loaded after the newest `dlt_load_id` of `this`; on a first run or a
    --full-refresh it selects every value, and so it does on a table built before it
    carried `dlt_load_id`. -#}
{% macro loaded_since(key, relations) -%}
    {%- set has_bookmark = is_incremental()
        and 'dlt_load_id' in adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {%- for relation in relations %}
    select {{ key }} from {{ relation }}
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
