-- The forces a scheme's force may be compared with (the difference-in-differences comparison): every other
-- territorial force with a resident population, its peer group (dim_force_peer_group) marked is_peer. The
-- evaluation (mhw/scheme_evaluation.py) drops those that ran a scheme of the same type over the evaluated periods
-- or lack data, and uses the peers when at least 3 remain, else all that remain (its comparison_basis says which;
-- docs/methods.md, "Evaluating schemes").
with schemes as (
    select scheme_key, force_code from {{ ref('dim_scheme') }}
),

forces as (
    select force_code from {{ ref('ref_force') }} where is_territorial and has_resident_population
),

peers as (
    select force_code, peer_force_code, peer_method from {{ ref('dim_force_peer_group') }}
)

select
    s.scheme_key,
    f.force_code as comparison_force_code,
    p.peer_force_code is not null as is_peer,
    p.peer_method
from schemes as s
inner join forces as f on f.force_code <> s.force_code
left join peers as p on p.force_code = s.force_code and p.peer_force_code = f.force_code
