"""tests/bench/national_demo.link_landing: which of the demo's files a bench home gets."""

from __future__ import annotations

from tests.bench.national_demo import MONTHS, link_landing

FILES = [
    f"custody/E23000001/{MONTHS[0]}/custody_E23000001_{MONTHS[0]}.csv",  # month 1
    "incidents/E23000001/2024-02/incidents_E23000001_2024-02.csv",  # month 107
    "incidents/E23000001/2024-03/incidents_E23000001_2024-03.csv",  # month 108
    f"street_triage/E23000019/{MONTHS[1]}/street_triage_E23000019_{MONTHS[1]}.csv",  # month 120
    "s136/E23000001/2019-20/s136_E23000001_2019-20.csv",  # not a monthly extract
    "adr125/adr125_2019-20.ods",
]


def test_a_shorter_history_leaves_out_only_the_monthly_extracts_before_it(tmp_path):
    demo = tmp_path / "demo"
    for rel in FILES:
        (demo / rel).parent.mkdir(parents=True, exist_ok=True)
        (demo / rel).write_text(rel)
    homes = iter(range(4))

    def linked(**how) -> set[str]:
        dest = tmp_path / f"home-{next(homes)}"
        return {p.relative_to(dest).as_posix() for p in link_landing(demo, dest, **how)}

    assert linked(last_month=False) == set(FILES) - {FILES[3]}
    assert linked(last_month=False, since="2024-03") == {FILES[2], FILES[4], FILES[5]}
    assert linked(last_month=True) == linked(last_month=True, since="2024-03") == {FILES[3]}
