with forces as (
    select * from {{ ref('ref_force') }}
)

select
    force_code,
    force_name,
    force_short,
    region_code,
    region_name,
    nation,
    is_territorial,
    has_resident_population,
    is_small_population,
    cast(null as varchar(60)) as peer_group  -- Most Similar Force group: not loaded yet
from forces
