{#- The rule that keeps the incremental marts equal to a full rebuild, with no clock in it.

    dlt stamps every raw row it writes, new or re-fetched, with the id of its load
    (`_dlt_load_id`), and lists each load it commits in `raw._dlt_loads`. A load id is the
    loading machine's clock, so ids do not order loads: a backfill from a laptop whose clock
    runs behind writes ids older than last night's. Instead, the database numbers the loads:

    - `register_raw_loads` (on-run-start of every `dbt run` and `dbt build`) gives each
      committed load dbt has not seen yet the next number in `audit.raw_loads`, in the order
      dbt first sees them, and writes down the newest number as this invocation's horizon
      (`audit.dbt_invocations`): whatever another process registers meanwhile, every model
      of this invocation works up to the same number.
    - Each incremental mart row records the horizon it was built under (`raw_load_number`);
      the mart's bookmark is its newest. A run re-processes the units (games, seasons,
      players) that any of the mart's inputs touched in the loads numbered after the
      bookmark, up to the horizon: raw rows (`staged`, by their load id) and rows of other
      marts (`built`, by their `raw_load_number`).

    So a game is re-processed exactly when one of the rows it is built from was loaded or
    rebuilt since the mart last ran: a stat correction, a game that went final, a schedule
    that moved a game or changed its home team, a backfilled older season alike. On a first
    run or a --full-refresh every unit is processed. -#}

{% macro register_raw_loads() -%}
    {%- if execute and flags.WHICH in ('run', 'build') -%}
        {{ adapter.dispatch('register_raw_loads')() }}
    {%- endif -%}
{%- endmacro %}


{#- PostgreSQL: the hook runs in a transaction; the lock keeps two dbt runs from handing out
    the same number, and the commit makes the numbers stick. -#}
{% macro default__register_raw_loads() -%}
    {{ raw_load_tables() }}
    lock table audit.raw_loads in exclusive mode;
    {{ raw_load_registration() }}
    commit;
{%- endmacro %}


{#- DuckDB: one writer per file and autocommit hooks; nothing to lock. -#}
{% macro duckdb__register_raw_loads() -%}
    {{ raw_load_tables() }}
    {{ raw_load_registration() }}
{%- endmacro %}


{% macro raw_load_tables() -%}
    create schema if not exists audit;
    create table if not exists audit.raw_loads (
        load_number integer not null,
        load_id varchar(64) primary key,
        registered_at timestamp not null,
        invocation_id varchar(64) not null
    );
    create table if not exists audit.dbt_invocations (
        invocation_id varchar(64) primary key,
        newest_load_number integer not null,
        started_at timestamp not null
    );
{%- endmacro %}


{#- Built, not looked up: a lookup that misses dbt's cache opens a transaction, which dbt rolls
    back after the hooks (with these rows in it). raw._dlt_loads exists wherever raw does. -#}
{% macro raw_load_registration() -%}
    {%- set dlt_loads = api.Relation.create(database=target.database, schema='raw', identifier='_dlt_loads') -%}
    {%- set started_at = "cast('" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S') ~ "' as timestamp)" -%}
    insert into audit.raw_loads (load_number, load_id, registered_at, invocation_id)
    select
        (select coalesce(max(load_number), 0) from audit.raw_loads) + row_number() over (order by load_id),
        load_id,
        {{ started_at }},
        '{{ invocation_id }}'
    from (select distinct load_id from {{ dlt_loads }} where status = 0) as committed_loads
    where load_id not in (select load_id from audit.raw_loads);
    insert into audit.dbt_invocations (invocation_id, newest_load_number, started_at)
    select '{{ invocation_id }}', coalesce(max(load_number), 0), {{ started_at }}
    from audit.raw_loads;
{%- endmacro %}


{#- This invocation's horizon, the newest load number it works up to (0 when dbt only
    compiles, e.g. `dbt docs generate`: the hook that numbers loads runs in run and build). -#}
{% macro raw_load_horizon() -%}
    {%- if not execute or flags.WHICH not in ('run', 'build') -%}
        {{ return(0) }}
    {%- endif -%}
    {%- set horizon = run_query(
        "select newest_load_number from audit.dbt_invocations where invocation_id = '" ~ invocation_id ~ "'"
    ).columns[0].values()[0] -%}
    {{ return(horizon) }}
{%- endmacro %}


{#- The mart's bookmark: the newest horizon among its rows; none on a first run, a
    --full-refresh, or a table built before it carried raw_load_number. -#}
{% macro raw_load_bookmark() -%}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {%- if 'raw_load_number' not in columns -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set bookmark = run_query("select max(raw_load_number) from " ~ this).columns[0].values()[0] -%}
    {{ return(bookmark if bookmark is not none else none) }}
{%- endmacro %}


{#- The column every incremental mart carries: the horizon it was built under. -#}
{% macro raw_load_number() -%}
    cast({{ raw_load_horizon() }} as integer)
{%- endmacro %}


{#- A query of the `key` values (`game_id`, `season`, `player_id`) to re-process: those of the
    `staged` relations' rows (staging models, with `dlt_load_id`) and of the `built`
    relations' rows (marts, with `raw_load_number`) loaded after the bookmark, up to the
    horizon; every value on a first run or a --full-refresh. -#}
{% macro loaded_since(key, staged=[], built=[]) -%}
    {%- set bookmark = raw_load_bookmark() -%}
    {%- set horizon = raw_load_horizon() -%}
    {%- set selects = [] -%}
    {%- for relation in staged -%}
        {%- do selects.append("select " ~ key ~ " from " ~ relation ~ (
            "" if bookmark is none else
            " where dlt_load_id in (select load_id from audit.raw_loads where load_number > "
            ~ bookmark ~ " and load_number <= " ~ horizon ~ ")")) -%}
    {%- endfor -%}
    {%- for relation in built -%}
        {%- do selects.append("select " ~ key ~ " from " ~ relation ~ (
            "" if bookmark is none else
            " where raw_load_number > " ~ bookmark ~ " and raw_load_number <= " ~ horizon)) -%}
    {%- endfor %}
    {{ selects | join("\n    union\n    ") }}
{%- endmacro %}

{#- The later of two load ids (lineage only; either may be null: a game only in the schedule). -#}
{% macro later_load_id(first, second) -%}
    case when {{ second }} is null or {{ first }} > {{ second }} then {{ first }} else {{ second }} end
{%- endmacro %}
