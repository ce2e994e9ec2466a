{#- The flight recorder's dbt half: after `dbt test` or `dbt build` (run by the loader or by
    an analyst by hand), one `audit_check` row per test result in audit.pipeline_audit.
    Wired in dbt_project.yml as `on-run-end`. The run id is the loader's (NBA_RUN_ID) when
    the loader runs dbt, else dbt's own invocation id; load_id is always the invocation id. -#}
{% macro record_audit_results(results) -%}
    {%- if execute and flags.WHICH in ('test', 'build') -%}
        {%- set test_results = results | selectattr('node.resource_type', 'equalto', 'test') | list -%}
        {%- if test_results -%}
            {{ adapter.dispatch('record_audit_results')(test_results) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#- PostgreSQL (and any adapter that runs hooks inside a transaction): the hook's connection
    is not in autocommit mode, so without the closing commit the rows would be rolled back. -#}
{% macro default__record_audit_results(test_results) -%}
    {{ audit_results_statements(test_results) }}
    commit;
{%- endmacro %}


{#- dbt-duckdb runs hook SQL in autocommit mode: each statement is committed as it runs. -#}
{% macro duckdb__record_audit_results(test_results) -%}
    {{ audit_results_statements(test_results) }}
{%- endmacro %}


{#- The table comes from macros/audit_table.sql, its one definition, which the loader runs too. -#}
{% macro audit_results_statements(test_results) -%}
    {%- set run_id = env_var('NBA_RUN_ID', invocation_id) -%}
    {%- set messages = audit_messages(test_results) -%}
    create schema if not exists audit;
    {{ create_audit_table() }};
    insert into audit.pipeline_audit (
        event_id, run_id, step, name, status, started_at, finished_at,
        rows_per_table, api_requests, failures, load_id, message, error_traceback
    ) values
    {%- for result in test_results %}
        (
            {{ audit_literal(audit_event_id(result.node.unique_id)) }},
            {{ audit_literal(run_id) }},
            'audit_check',
            {{ audit_literal(result.node.name[:256]) }},
            {{ audit_literal(audit_status(result.status)) }},
            {{ audit_timestamp(audit_timing(result, 'started_at') or run_started_at) }},
            {{ audit_timestamp(audit_timing(result, 'completed_at')) }},
            null,
            null,
            {{ result.failures if result.failures is number else 'null' }},
            {{ audit_literal(invocation_id) }},
            {{ audit_literal(messages[result.node.unique_id]) }},
            null
        ){{ "," if not loop.last else ";" }}
    {%- endfor %}
{%- endmacro %}


{#- Each result's message, by unique id: dbt's own, except for a test that failed or warned,
    whose message names the rows that broke its rule. The rows are those the test's query
    selects (its first few, run again here): the game ids, with each row's `problem` where the
    test says what it is, else the first column's values. -#}
{% macro audit_messages(test_results) -%}
    {%- set messages = {} -%}
    {%- for result in test_results -%}
        {%- set message = result.message -%}
        {%- if audit_status(result.status) in ('fail', 'warn') and result.node.compiled_code -%}
            {%- set rows = run_query(
                'select * from (' ~ result.node.compiled_code ~ ') as failing_rows limit ' ~ (audit_named_rows() + 1)
            ) -%}
            {%- set message = audit_rows_sentence(result.failures, rows) -%}
        {%- endif -%}
        {%- do messages.update({result.node.unique_id: message}) -%}
    {%- endfor -%}
    {{ return(messages) }}
{%- endmacro %}


{% macro audit_named_rows() -%}
    {{ return(5) }}
{%- endmacro %}


{#- "2 rows break the rule: 0022400123 (schedule BOS 110-99 LAL, box score 108-99), ..." -#}
{% macro audit_rows_sentence(failures, rows) -%}
    {%- set columns = rows.column_names | map('lower') | list -%}
    {%- set named = [] -%}
    {%- for row in rows.rows[:audit_named_rows()] -%}
        {%- set values = dict(zip(columns, row.values())) -%}
        {%- if 'game_id' in columns -%}
            {%- do named.append(values['game_id'] ~ (' (' ~ values['problem'] ~ ')' if 'problem' in columns else '')) -%}
        {%- else -%}
            {%- do named.append(columns[0] ~ ' ' ~ row.values()[0]) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set count = failures if failures is number else rows.rows | length -%}
    {%- set more = count - (named | length) -%}
    {{- return(count ~ (' row breaks' if count == 1 else ' rows break') ~ ' the rule: ' ~ named | join('; ')
               ~ (' and ' ~ more ~ ' more' if more > 0 else '')) -}}
{%- endmacro %}


{#- dbt's pass/warn/fail/error in the flight recorder's words (loader/ops/audit.py STATUSES). -#}
{% macro audit_status(dbt_status) -%}
    {%- set status = dbt_status | string | lower | replace('teststatus.', '') | replace('runstatus.', '') -%}
    {{- {'pass': 'success', 'warn': 'warn', 'fail': 'fail', 'error': 'error', 'skipped': 'skipped'}.get(status, status) -}}
{%- endmacro %}


{#- A UUID-shaped id, stable for one test in one invocation (Jinja has no uuid4). -#}
{% macro audit_event_id(unique_id) -%}
    {%- set digest = local_md5(invocation_id ~ ':' ~ unique_id) -%}
    {{- digest[0:8] ~ '-' ~ digest[8:12] ~ '-' ~ digest[12:16] ~ '-' ~ digest[16:20] ~ '-' ~ digest[20:32] -}}
{%- endmacro %}


{#- When the test's execution began or ended (dbt times it in naive UTC), or none. -#}
{% macro audit_timing(result, attribute) -%}
    {%- set moments = [] -%}
    {%- for timing in result.timing if timing.name == 'execute' and timing[attribute] -%}
        {%- do moments.append(timing[attribute]) -%}
    {%- endfor -%}
    {{- return(moments[0] if moments else none) -}}
{%- endmacro %}


{% macro audit_timestamp(moment) -%}
    {%- if moment is none -%}
        null
    {%- else -%}
        cast('{{ moment.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
    {%- endif -%}
{%- endmacro %}


{% macro audit_literal(value) -%}
    {%- if value is none -%}
        null
    {%- else -%}
        '{{ value | string | replace("'", "''") }}'
    {%- endif -%}
{%- endmacro %}
