{#- Models land in the schema they name (`nba`, `staging`), not `<target schema>_nba`:
    analysts query nba.matches on every target. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
