{#- The columns of int_person_contacts, in order: the flags table starts with the same ones (int_person_contact_flags). -#}
{% macro person_contact_columns() -%}
    {{ return(['contact_key', 'contact_source', 'incident_key', 'detention_key', 'force_code', 'contact_at',
               'age_years', 'person_token', 'person_key_id', 'is_s136', 'load_id']) }}
{%- endmacro %}
