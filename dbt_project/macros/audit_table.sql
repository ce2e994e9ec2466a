{#- The flight recorder's table, audit.pipeline_audit, defined once: the on-run-end hook
    (record_audit_results.sql) runs it, and so does the loader, which reads the text between
    the macro's tags from this file (loader/ops/audit.py, CREATE_AUDIT_TABLE). Plain SQL
    inside, the same on DuckDB and PostgreSQL: whichever writes first creates the table. -#}
{% macro create_audit_table() -%}
create table if not exists audit.pipeline_audit (
    event_id varchar(36) primary key,
    run_id varchar(36) not null,
    step varchar(32) not null,
    name varchar(256) not null,
    status varchar(16) not null,
    started_at timestamp not null,
    finished_at timestamp,
    rows_per_table text,
    api_requests integer,
    failures integer,
    load_id varchar(64),
    message text,
    error_traceback text
)
{%- endmacro %}
