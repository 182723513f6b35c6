"""Dagster code location: ingestion -> dbt -> publish, for the mh-policing-warehouse."""
