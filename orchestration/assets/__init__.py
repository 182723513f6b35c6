"""Assets by layer: ingestion (raw.*), publish (serving snapshot). dbt assets live in orchestration.dbt."""
