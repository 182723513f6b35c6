-- The forces a scheme's force may be compared with (the difference-in-differences comparison), before the
-- evaluation removes those that ran a scheme of the same type over the evaluated months. Until peer groups exist
-- in the warehouse every other territorial force with a resident population is a candidate
-- (comparison_basis 'all_forces'); this model is the one place to change that (docs/methods.md).
with schemes as (
    select scheme_key, force_code from {{ ref('dim_scheme') }}
),

forces as (
    select force_code from {{ ref('ref_force') }} where is_territorial and has_resident_population
)

select
    s.scheme_key,
    f.force_code as comparison_force_code,
    'all_forces' as comparison_basis
from schemes as s
inner join forces as f on f.force_code <> s.force_code
