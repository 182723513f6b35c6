{#-
  The exact s136 counts behind the published s136 statistics, as aggregate expressions over fct_s136_detentions
  rows aliased `d` (shared by mart_s136_force_year and mart_s136_national_year). Only s136 detentions count: s135
  is published apart (docs/methods.md, "Disclosure control"). Percentages are of known values (methods §1.3, §7.2):
  a first place of safety 'not_known' (or blank) is left out of its base; the transport base leaves out 'not_known'
  (or blank) and 'none_already_at_pos'. Durations run from arrival at the first place of safety to the end of the
  detention; negative or missing ones are left out.
-#}
{% macro s136_counts(d) -%}
    {%- set s136 = d ~ ".power = 's136'" -%}
    count(case when {{ s136 }} and {{ d }}.first_pos_type <> 'not_known' then 1 end) as n_pos_known,
    count(case when {{ s136 }} and {{ d }}.first_pos_type = 'police_station' then 1 end) as n_police_station_pos,
    count(case when {{ s136 }} and {{ d }}.first_pos_type = 'ae' then 1 end) as n_ae_pos,
    count(case when {{ s136 }} and {{ d }}.first_pos_type = 'hbpos' then 1 end) as n_hbpos,
    count(case when {{ s136 }} and {{ d }}.transport_method not in ('not_known', 'none_already_at_pos') then 1 end)
        as n_transport_base,
    count(case when {{ s136 }} and {{ d }}.transport_method = 'ambulance' then 1 end) as n_ambulance,
    count(case when {{ s136 }} and {{ d }}.transport_method = 'police_vehicle' then 1 end) as n_police_vehicle,
    count(case when {{ s136 }} and coalesce({{ d }}.transport_method, 'not_known') = 'not_known' then 1 end)
        as n_transport_not_known,
    count(case when {{ s136 }} and {{ d }}.duration_hours >= 0 then 1 end) as n_duration_known,
    count(case when {{ s136 }} and {{ d }}.duration_hours > 24 then 1 end) as n_over_24h,
    {{ mhw.median('case when ' ~ s136 ~ ' and ' ~ d ~ '.duration_hours >= 0 then ' ~ d ~ '.duration_hours end') }}
        as median_hours_unrounded,
    count(case when {{ s136 }} and {{ d }}.dq_u18_in_police_station then 1 end) as n_u18_police_station
{%- endmacro %}
