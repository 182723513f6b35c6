"""Monthly partitions of the force-delivered monthly sources: one partition per landing period folder YYYY-MM.

Partition keys are the folder names themselves ('2024-05'), so a partition maps to landing/<source>/*/<key>/.
Defines no assets; imported by the ingestion assets, the refresh planner and the landing sensor.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import dagster as dg

MONTH_FORMAT = "%Y-%m"
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

monthly_partitions = dg.MonthlyPartitionsDefinition(
    start_date="2015-04",  # first month of 2015-16, the first year of the national s136 return
    fmt=MONTH_FORMAT,
    timezone="Europe/London",
    end_offset=1,  # the current (incomplete) month exists, so this month's early deliveries can load
)


def month_span(months: Iterable[str]) -> str:
    """Months as a person reads them: '2024-05', or '2024-01..2024-04 (4 months)'."""
    months = sorted(months)
    return months[0] if len(months) == 1 else f"{months[0]}..{months[-1]} ({len(months)} months)"


def is_month(period: str | None) -> bool:
    """A calendar month folder like 2024-05 (a financial year like 2024-25 is not)."""
    return bool(period and _MONTH.match(period))


def partition_key_of(period: str | None) -> str | None:
    """The partition key of a landing period folder, or None when it is not a month inside the partition window."""
    if not is_month(period):
        return None
    return period if monthly_partitions.has_partition_key(period) else None


def months_of_keys(keys: Iterable[str]) -> set[str]:
    """The landing period folders ('YYYY-MM') of partition keys, whatever the key format."""
    return {monthly_partitions.time_window_for_partition_key(k).start.strftime("%Y-%m") for k in keys}


def key_range(keys: Iterable[str]) -> tuple[str, str] | None:
    """(first, last) of some partition keys in time order (keys are YYYY-MM, so string order is time order)."""
    ordered = sorted(keys)
    return (ordered[0], ordered[-1]) if ordered else None


def range_tags(first: str, last: str) -> dict[str, str]:
    """Run tags that make one run cover a partition range (single-run backfill policy)."""
    return {
        "dagster/asset_partition_range_start": first,
        "dagster/asset_partition_range_end": last,
    }
