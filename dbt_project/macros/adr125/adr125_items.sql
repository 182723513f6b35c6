{#-
  The items of the annual s136 return (ADR-125, methods.md §1.2): measure x category in the return's order, with the
  Home Office's wording. Kept in step with mhw/export.py ITEMS (tests/national/test_adr125.py checks the two agree).
-#}

{% macro adr125_items() -%}
    {{ return([
        ('detentions', 'Detentions under section 136', [('total', 'Total')]),
        ('power', 'Power used', [('s136', 'Section 136'), ('s135', 'Section 135')]),
        ('transport_method', 'Method of transport to the place of safety', [
            ('ambulance', 'Ambulance'), ('police_vehicle', 'Police vehicle'),
            ('other_health_vehicle', 'Other health vehicle'), ('other', 'Other'), ('not_known', 'Not known'),
            ('none_already_at_pos', 'None (already at a place of safety)')]),
        ('police_vehicle_reason', 'Reason a police vehicle was used', [
            ('arrested_offence', 'Arrested for a substantive offence'),
            ('amb_not_within_30', 'Ambulance not available within 30 minutes'),
            ('amb_diverted', 'Ambulance diverted to higher-priority call'),
            ('amb_crew_refused', 'Ambulance crew refused'), ('amb_not_requested', 'Ambulance not requested'),
            ('other', 'Other'), ('not_known', 'Not known')]),
        ('first_place_of_safety', 'First place of safety', [
            ('hbpos', 'Health-based place of safety'), ('ae', 'A&E'), ('police_station', 'Police station'),
            ('private_home', 'Private home'), ('other', 'Other'), ('not_known', 'Not known')]),
        ('police_station_reason', 'Reason a police station was used', [
            ('regs2017_conditions_met', 'Conditions in Regulations were met'), ('other', 'Other'),
            ('not_known', 'Not known')]),
        ('arrested_for_offence', 'Arrested for an offence (police station cases)', [
            ('yes', 'Yes'), ('no', 'No'), ('not_known', 'Not known')]),
        ('age_group', 'Age', [('under_18', 'Under 18'), ('18_plus', '18 and over')]),
        ('sex', 'Sex', [('M', 'Male'), ('F', 'Female'), ('X', 'Other'), ('U', 'Not known')]),
        ('ethnicity_broad', 'Ethnicity (self-defined, broad group)', [
            ('asian', 'Asian'), ('black', 'Black'), ('mixed', 'Mixed'), ('white', 'White'), ('other', 'Other'),
            ('not_stated', 'Not stated')]),
    ]) }}
{%- endmacro %}

{# The catalogue as a portable relation: measure, measure_label, category, category_label, item_order. #}
{% macro adr125_item_catalogue() -%}
    select measure, measure_label, category, category_label, item_order
    from (values
    {%- for measure, measure_label, categories in mhw.adr125_items() %}
        {%- set outer = loop %}
        {%- for category, category_label in categories %}
        ('{{ measure }}', '{{ measure_label }}', '{{ category }}', '{{ category_label }}',
         {{ outer.index0 * 100 + loop.index0 }}){% if not (outer.last and loop.last) %},{% endif %}
        {%- endfor %}
    {%- endfor %}
    ) as items (measure, measure_label, category, category_label, item_order)
{%- endmacro %}

{#-
  One row per (record, measure) the record counts in, with its category, as the return defines the items:
  every measure but `power` counts s136 detentions; police_vehicle_reason those taken by police vehicle;
  police_station_reason and arrested_for_offence those whose first place of safety was a police station; a blank
  value counts as not known. `relation` has the columns of fct_s136_detentions.
-#}
{% macro adr125_record_items(relation) -%}
    select force_code, fy_label, 'detentions' as measure, 'total' as category
    from {{ relation }} where power = 's136'
    union all
    select force_code, fy_label, 'power', case when power = 's136' then 's136' else 's135' end
    from {{ relation }} where power in ('s136', 's135(1)', 's135(2)')
    union all
    select force_code, fy_label, 'transport_method', coalesce(transport_method, 'not_known')
    from {{ relation }} where power = 's136'
    union all
    select force_code, fy_label, 'police_vehicle_reason', coalesce(police_vehicle_reason, 'not_known')
    from {{ relation }} where power = 's136' and transport_method = 'police_vehicle'
    union all
    select force_code, fy_label, 'first_place_of_safety', coalesce(first_pos_type, 'not_known')
    from {{ relation }} where power = 's136'
    union all
    select force_code, fy_label, 'police_station_reason', coalesce(police_station_reason, 'not_known')
    from {{ relation }} where power = 's136' and first_pos_type = 'police_station'
    union all
    select force_code, fy_label, 'arrested_for_offence',
        case when arrested_for_offence then 'yes' when not arrested_for_offence then 'no' else 'not_known' end
    from {{ relation }} where power = 's136' and first_pos_type = 'police_station'
    union all
    select force_code, fy_label, 'age_group', case when age_years < 18 then 'under_18' else '18_plus' end
    from {{ relation }} where power = 's136'
    union all
    select force_code, fy_label, 'sex', coalesce(sex_code, 'U')
    from {{ relation }} where power = 's136'
    union all
    select force_code, fy_label, 'ethnicity_broad',
        case ethnicity_broad_5p1 when 'Asian' then 'asian' when 'Black' then 'black' when 'Mixed' then 'mixed'
             when 'White' then 'white' when 'Other' then 'other' else 'not_stated' end
    from {{ relation }} where power = 's136'
{%- endmacro %}

{#- Reconciliation status of one item: both sides present -> match | differs; else which side has it. -#}
{% macro adr125_status(record_count, published_count) -%}
    (case when {{ record_count }} is not null and {{ published_count }} is not null
              then case when {{ record_count }} = {{ published_count }} then 'match' else 'differs' end
          when {{ record_count }} is not null then 'record_only'
          when {{ published_count }} is not null then 'published_only' end)
{%- endmacro %}
