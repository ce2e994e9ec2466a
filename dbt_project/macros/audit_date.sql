{#- The day the audits judge by: NBA_AUDIT_DATE (the loader passes the run's date, which a
    simulation's clock sets), else the database's current date. An environment variable, not
    a var: vars that change from night to night would make dbt parse the whole project
    again on every invocation, while a changed env_var re-parses only what reads it. -#}
{% macro audit_date() -%}
    {%- if env_var('NBA_AUDIT_DATE', '') -%}
        cast('{{ env_var("NBA_AUDIT_DATE") }}' as date)
    {%- else -%}
        current_date
    {%- endif -%}
{%- endmacro %}
