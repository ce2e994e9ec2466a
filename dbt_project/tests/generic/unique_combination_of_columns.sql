{#- A composite key is unique: no two rows share the same values in all these columns.
    Written here because dbt_utils is out of reach (no `dbt deps`). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with

keys as (

    select {{ combination_of_columns | join(', ') }}, count(*) as occurrences
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1

)

select * from keys

{% endtest %}
