"""mh-policing-warehouse: shared settings, statistics and the `mhw` operator CLI."""
