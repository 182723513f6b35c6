"""ADR-125 return reconciliation: the annual s136 return built from our records against the Home Office figures.

Reads `mart_adr125_return_national` (E&W per item), `mart_adr125_return` (force × item) and `publication`.
Force counts from our records are disclosure-controlled in the mart (0 stays 0, 1–7 suppressed, else rounded
to 5; the difference too); the published counts are the Home Office's public figures.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from apps import data, state, ui
from apps import format as fmt

YEAR_PARAM = "fy"
STATUS_WORDS = {
    "match": "Match",
    "differs": "Differs",
    "record_only": "Records only",
    "published_only": "Published only",
}
# mart_adr125_return.difference_sdc_flag: the difference is withheld because the record count is 1 to 7
WITH_RECORDS = "withheld_with_records"


def difference_text(value, flag: str | None) -> str:
    """A force's disclosure-controlled difference: '*' when it is 1 to 7 or withheld with a record count of 1 to 7."""
    return "*" if flag == WITH_RECORDS else fmt.count(value, flag)


def _force_list(names: list[str]) -> str:
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)


def one_side_only(forces: pl.DataFrame) -> dict[tuple[str, str], str]:
    """Per item, the forces in one side only, in words with their figure: 'Lancashire: records only (850)'."""
    words: dict[tuple[str, str], list[str]] = {}
    for r in (
        forces.filter(pl.col("status").is_in(["record_only", "published_only"]))
        .sort("force_name")
        .iter_rows(named=True)
    ):
        if r["status"] == "record_only":
            text = f"{r['force_name']}: records only ({fmt.count(r['record_count'], r['record_count_sdc_flag'])})"
        else:
            text = f"{r['force_name']}: published only ({fmt.count(r['published_count'])})"
        words.setdefault((r["measure"], r["category"]), []).append(text)
    return {item: "; ".join(texts) for item, texts in words.items()}


def like_for_like(forces: pl.DataFrame) -> dict[tuple[str, str], str]:
    """Per item, the difference over the forces in both (records and published), as published: 0 when every one
    matches (exact), the one differing force's disclosure-controlled difference, or '–' when two or more differ
    (their rounded differences are not added up: no count is recomputed from rounded ones)."""
    out: dict[tuple[str, str], str] = {}
    both = forces.filter(pl.col("status").is_in(["match", "differs"]))
    for (measure, category), rows in both.group_by("measure", "category"):
        differ = rows.filter(pl.col("status") == "differs")
        if differ.is_empty():
            out[(measure, category)] = "0"
        elif differ.height == 1:
            r = differ.row(0, named=True)
            out[(measure, category)] = difference_text(r["difference"], r["difference_sdc_flag"])
        else:
            out[(measure, category)] = fmt.DASH
    return out


def national_table(national: pl.DataFrame, forces: pl.DataFrame) -> pl.DataFrame:
    """E&W by item: the totals of every force, then like for like: the forces in both, how many differ and the
    difference over them, and the forces in one side only by name (what makes the totals differ besides)."""
    one_sided, lfl = one_side_only(forces), like_for_like(forces)
    rows = []
    for r in national.sort("item_order").iter_rows(named=True):
        item = (r["measure"], r["category"])
        in_both = int(r["forces_match"]) + int(r["forces_differ"])
        if in_both == 0:
            status = STATUS_WORDS.get(r["status"], r["status"])
        else:
            status = "Match" if int(r["forces_differ"]) == 0 else "Differs"
        rows.append(
            {
                "Item": f"{r['measure_label']}: {r['category_label']}",
                "Records (E&W)": None if r["record_count"] is None else int(r["record_count"]),
                "Published (E&W)": None if r["published_count"] is None else int(r["published_count"]),
                "Difference (E&W totals)": None if r["difference"] is None else int(r["difference"]),
                "Forces in both": in_both,
                "Forces differing": int(r["forces_differ"]),
                "Difference, forces in both": lfl.get(item, fmt.DASH) if in_both else fmt.DASH,
                "Status, forces in both": status,
                "In one side only": one_sided.get(item, ""),
                "Release": r["published_release"],
            }
        )
    schema = {"Item": pl.String}
    schema |= {c: pl.Int64 for c in ("Records (E&W)", "Published (E&W)", "Difference (E&W totals)")}
    schema |= {"Forces in both": pl.Int64, "Forces differing": pl.Int64, "Difference, forces in both": pl.String}
    schema |= {"Status, forces in both": pl.String, "In one side only": pl.String, "Release": pl.String}
    return pl.DataFrame(rows, schema=schema)


def national_summary(national: pl.DataFrame, forces: pl.DataFrame, fy: str, table: pl.DataFrame) -> str | None:
    """In words, why the E&W totals are not like for like (forces in one side only), and the first item compared
    over the forces in both (``table``: national_table's, one row per item in item order); None when every force is
    in both."""
    record_only = sorted(forces.filter(pl.col("status") == "record_only")["force_name"].unique().to_list())
    published_only = sorted(forces.filter(pl.col("status") == "published_only")["force_name"].unique().to_list())
    if not record_only and not published_only or national.is_empty():
        return None
    parts = []
    if record_only:
        parts.append(
            f"**{_force_list(record_only)}** {'has' if len(record_only) == 1 else 'have'} records but no published "
            "figure (records only), so the records' E&W total includes "
            f"{'its' if len(record_only) == 1 else 'their'} detentions and the published one does not"
        )
    if published_only:
        parts.append(
            f"**{_force_list(published_only)}** {'has' if len(published_only) == 1 else 'have'} a published figure "
            "but no records (published only), so the published E&W total includes "
            f"{'it' if len(published_only) == 1 else 'them'} and the records' total does not"
        )
    first = national.sort("item_order").row(0, named=True)
    first_row = table.row(0, named=True)
    in_both, differ = first_row["Forces in both"], first_row["Forces differing"]
    item = f"{first['measure_label']}: {first['category_label']}".lower()
    if differ == 0:
        compared = f"all {in_both:,} match exactly"
    else:
        names = sorted(
            forces.filter(
                (pl.col("measure") == first["measure"])
                & (pl.col("category") == first["category"])
                & (pl.col("status") == "differs")
            )["force_name"].to_list()
        )
        difference = first_row["Difference, forces in both"]
        by = ""
        if differ == 1:
            flag = forces.filter(
                (pl.col("measure") == first["measure"])
                & (pl.col("category") == first["category"])
                & (pl.col("status") == "differs")
            )["difference_sdc_flag"][0]
            if flag == WITH_RECORDS:
                by = " (its records are 1 to 7, so its difference is withheld with them: shown as *)"
            elif difference == "*":
                by = " by 1 to 7 (shown as *)"
            else:
                by = f" by {difference} (rounded to 5)"
        compared = f"{in_both - differ:,} match exactly and {_force_list(names)} differ{'s' if differ == 1 else ''}{by}"
    return (
        f"The E&W totals of {fmt.fy_long(fy)} are not like for like: {'; '.join(parts)}. The difference of the "
        f"totals is not an over- or under-count. Over the {in_both:,} forces in both ({item}), {compared}."
    )


def force_note(r: dict) -> str:
    """Why a force item is not a match, where its shown counts do not say it themselves."""
    if r["status"] == "record_only":
        return "No published figure"
    if r["status"] == "published_only":
        return "No records for the force-year"
    if r["status"] == "differs" and r["difference_sdc_flag"] == WITH_RECORDS:
        return "Records 1 to 7: the difference is withheld with them"
    if r["status"] == "differs" and r["difference_sdc_flag"] == fmt.SUPPRESSED:
        shown_equal = (
            r["record_count_sdc_flag"] != fmt.SUPPRESSED
            and not fmt.missing(r["record_count"])
            and not fmt.missing(r["published_count"])
            and int(r["record_count"]) == int(r["published_count"])
        )
        if shown_equal:
            return "Same after rounding: the exact counts differ by 1 to 7"
        return "Differs by 1 to 7"
    return ""


def force_table(forces: pl.DataFrame) -> pl.DataFrame:
    """Force items that do not match, with suppressed counts as '*' and a note where rounding hides the gap."""
    rows = []
    for r in forces.filter(pl.col("status") != "match").sort("force_name", "item_order").iter_rows(named=True):
        rows.append(
            {
                "Force": r["force_name"],
                "Item": f"{r['measure_label']}: {r['category_label']}",
                "Status": STATUS_WORDS.get(r["status"], r["status"]),
                "Records": fmt.count(r["record_count"], r["record_count_sdc_flag"]),
                "Published": "–" if fmt.missing(r["published_count"]) else f"{int(r['published_count']):,}",
                "Difference": difference_text(r["difference"], r["difference_sdc_flag"]),
                "Note": force_note(r),
                "Release": r["published_release"] or "–",
                "Revised since first release": "Yes" if r["is_revised_since_first"] else "",
            }
        )
    columns = [
        "Force",
        "Item",
        "Status",
        "Records",
        "Published",
        "Difference",
        "Note",
        "Release",
        "Revised since first release",
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String))


def main() -> None:
    st.title("ADR-125 return reconciliation")
    st.caption(
        "The Home Office annual s136 return (Annual Data Requirement 125) built from the warehouse records, item by "
        "item, against the figures the Home Office published."
    )
    try:
        snapshot = data.open_snapshot()
        years = data.adr125_years(snapshot.conn, snapshot.key)
        if not years:
            raise data.EmptyTable("ADR-125 reconciliation figures")
        fy = state.choose("Financial year", years, YEAR_PARAM, fmt=fmt.fy_long, column=st.columns([1, 2])[0])
        national = data.adr125_national(snapshot.conn, snapshot.key, fy)
        forces = data.adr125_forces(snapshot.conn, snapshot.key, fy)
        pub = data.publication(snapshot.conn, snapshot.key)
    except data.SnapshotUnavailable as exc:
        ui.show_unavailable(exc)
        return

    counts = {row["status"]: row["len"] for row in forces.group_by("status").len().iter_rows(named=True)}
    cols = st.columns(4)
    for col, status in zip(cols, STATUS_WORDS, strict=True):
        col.metric(f"Force items: {STATUS_WORDS[status].lower()}", f"{counts.get(status, 0):,}")
    total = sum(counts.values())
    st.markdown(
        f"In {fmt.fy_long(fy)}, **{counts.get('match', 0):,}** of {total:,} force items match the published figures "
        f"exactly; **{total - counts.get('match', 0):,}** do not."
    )

    st.subheader("England and Wales, by item")
    table = national_table(national, forces)
    summary = national_summary(national, forces, fy, table)
    if summary:
        st.markdown(summary)
    ui.table(
        table,
        f"adr125_national_{fy}.csv",
        "Download the national table (CSV)",
        column_config={
            "Records (E&W)": st.column_config.NumberColumn(
                format="localized", help="Exact, from the records of every force with an s136 return."
            ),
            "Published (E&W)": st.column_config.NumberColumn(format="localized", help="The Home Office's E&W figure."),
            "Difference (E&W totals)": st.column_config.NumberColumn(
                format="localized",
                help="Records minus published over all forces: it includes the forces in one side only, so it is "
                "not like for like when any are named.",
            ),
            "Forces in both": st.column_config.NumberColumn(help="Forces with records and a published figure."),
            "Forces differing": st.column_config.NumberColumn(
                help="Forces in both whose exact record count is not the published figure."
            ),
            "Difference, forces in both": st.column_config.TextColumn(
                help="Records minus published over the forces in both: 0 when every one matches; the one differing "
                "force's difference (rounded to 5, * = 1 to 7 or withheld with records of 1 to 7); – when two or "
                "more differ (see the force items)."
            ),
            "Status, forces in both": st.column_config.TextColumn(
                help="Match when every force in both matches exactly; else Differs."
            ),
            "In one side only": st.column_config.TextColumn(
                width="large",
                help="Forces with records but no published figure, or the reverse, with their figure: the E&W "
                "totals differ by these besides.",
            ),
        },
    )

    st.subheader("Force items that do not match")
    table = force_table(forces)
    if table.is_empty():
        st.success(f"Every force item matches the published figures in {fy}.")
    else:
        statuses = ["All"] + [STATUS_WORDS[s] for s in STATUS_WORDS if s != "match" and counts.get(s)]
        chosen = state.choose("Status", statuses, "status", column=st.columns([1, 2])[0])
        shown = table if chosen == "All" else table.filter(pl.col("Status") == chosen)
        ui.table(
            shown,
            f"adr125_force_items_not_matching_{fy}.csv",
            "Download the force items shown (CSV)",
            height=ui.rows_height(shown.height, 900),
            column_config={
                "Records": st.column_config.TextColumn(
                    help="From the warehouse records: rounded to the nearest 5; * = 1 to 7 (suppressed)."
                ),
                "Difference": st.column_config.TextColumn(
                    help="Records minus published, disclosure-controlled like the records; * = 1 to 7, or withheld "
                    "with records of 1 to 7 (the Note says which)."
                ),
            },
        )
        st.caption(f"{shown.height:,} force items shown.")

    ui.footnotes(
        [
            "**Status** is decided on the exact counts: *match*; *differs* (both exist and are not equal); "
            "*records only* (our records give a figure, the Home Office published none); *published only* (the "
            "Home Office published a figure, we hold no records for that force-year).",
            "**Like for like.** The E&W totals add up every force on each side, so a force with records and no "
            "published figure (or the reverse) makes them differ by its whole count; the table names such forces "
            "and compares the forces in both apart.",
            "**Disclosure control.** Force counts from our records and their differences are rounded to the nearest "
            "5 and counts of 1 to 7 are shown as `*`, so a difference of 1 to 7 shows as `*` and the rounded "
            "records count can equal the published figure (the Note says *same after rounding*). Published counts "
            "are the Home Office's public figures; national figures are exact.",
            "**Source.** Warehouse s136 records against the Home Office police powers and procedures tables "
            "(release named in the table).",
        ],
        pub,
    )


main()
