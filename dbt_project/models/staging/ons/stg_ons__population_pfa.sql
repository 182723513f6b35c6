-- ONS mid-year population by PFA from loaded ONS loads; where two loads cover the same force-year the latest wins
with source as (
    select * from {{ source('raw', 'ons_population_pfa') }}
),

loads as (
    select load_id, loaded_at
    from {{ source('raw', 'load_ledger') }}
    where status = 'loaded'
),

ranked as (
    select
        p.geo_code as force_code,
        p.geo_name as force_name_ons,
        cast(p.mid_year as integer) as mid_year,
        cast(p.population as bigint) as population,
        p.population_vintage,
        p.source_file,
        p.load_id,
        l.loaded_at,
        row_number() over (
            partition by p.geo_code, p.mid_year order by l.loaded_at desc, p.load_id desc
        ) as load_rank
    from source as p
    inner join loads as l on p.load_id = l.load_id
)

select force_code, force_name_ons, mid_year, population, population_vintage, source_file, load_id, loaded_at
from ranked
where load_rank = 1
