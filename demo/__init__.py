"""The demo generator: synthetic landing data for every source, calibrated to published figures (not ingestion)."""
