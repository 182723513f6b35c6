-- the annual s136 return (force x financial year x item, methods.md §1.2) reconciled to the Home Office's published
-- figures. Published, so the counts derived from our records follow the SDC rule (methods.md §4: 0 stays 0, 1-7
-- suppressed, else rounded to 5), and so does their difference from the published figure (it would otherwise
-- give the unrounded record count back); the HO figures are public already and shown as published. The status is
-- decided on the exact counts (int_adr125_return_exact). Where the record count is withheld (1 to 7) and differs
-- from the published figure, the difference is withheld with it (withheld_with_records): published + difference
-- would give it back (1 against 9 differs by 8, shown as -10, and 9 - 10 +/- 2 leaves only 1 of 1 to 7). A match
-- says the count is the published figure, which is public already (methods.md §7, "The ADR-125 reconciliation").
with exact as (
    select * from {{ ref('int_adr125_return_exact') }}
),

forces as (
    select force_code, force_name from {{ ref('dim_force') }}
),

final as (
    select
        e.force_code,
        f.force_name,
        e.fy_label,
        e.measure,
        e.category,
        e.measure_label,
        e.category_label,
        e.item_order,
        {{ mhw.sdc_round5('e.record_count') }} as record_count,
        {{ mhw.sdc_flag('e.record_count') }} as record_count_sdc_flag,
        e.published_count,
        e.published_release,
        e.published_is_revised,
        e.first_published_count,
        e.first_release,
        (e.first_published_count <> e.published_count) as is_revised_since_first,
        case when not {{ mhw.is_suppressed_1_7('e.record_count') }} or e.difference = 0 then
            (case when e.difference < 0 then -1 else 1 end) * {{ mhw.sdc_round5('abs(e.difference)') }}
        end as difference,
        case when {{ mhw.is_suppressed_1_7('e.record_count') }} and e.difference <> 0 then 'withheld_with_records'
             else {{ mhw.sdc_flag('abs(e.difference)') }} end as difference_sdc_flag,
        {{ mhw.adr125_status('e.record_count', 'e.published_count') }} as status
    from exact as e
    left join forces as f on f.force_code = e.force_code
)

select * from final
