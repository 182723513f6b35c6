{#- dbt's own macro (the rows a data test reads, filtered by its `where` config), with one addition: a `where` naming
    __loaded_since_tested__ tests only the rows of the loads made since every row then in the warehouse last passed the tests,
    with __model__ standing for the tested model (a unique test's rows that could clash with them:
    "key in (select key from __model__ where __loaded_since_tested__)").

    That time comes from MHW_TESTED_THROUGH, which the refresh sets for a run planned on the warehouse its last
    successful refresh left (orchestration/dbt.py, mhw.refresh_inputs.data_tested_through). Without it (a full refresh,
    `dbt build` by hand, PostgreSQL) such a `where` is dropped and every row is tested. Only tests whose verdict on
    the whole table follows from their verdict on these rows may use it: uniqueness, not null and relationships of rows
    that change only with their load (docs/operations.md, "Data tests of a month"). -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') or '' -%}
    {%- if '__loaded_since_tested__' in where -%}
        {%- set through = env_var('MHW_TESTED_THROUGH', '') if execute else '' -%}
        {%- if through and not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,6})?', through) -%}
            {{ exceptions.raise_compiler_error("MHW_TESTED_THROUGH is not a timestamp (YYYY-MM-DD HH:MM:SS.ffffff): " ~ through) }}
        {%- endif -%}
        {%- set ledger = api.Relation.create(database=relation.database, schema='raw', identifier='load_ledger') -%}
        {%- set since = "load_id in (select load_id from " ~ ledger ~ " where loaded_at > cast('" ~ through ~ "' as timestamp))" -%}
        {%- set where = where | replace('__loaded_since_tested__', since) | replace('__model__', relation | string) if through else '' -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
