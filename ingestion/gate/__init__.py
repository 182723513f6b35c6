"""The gate: landing files read through their contracts, validated, pseudonymised and loaded with the ledger."""
