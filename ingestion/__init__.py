"""Ingestion: polars readers, source contracts, validation, pseudonymisation, load ledger, synthetic data."""
