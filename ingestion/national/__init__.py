"""Loaders of the national publications (ONS, Census, IOPC, Home Office, coroners) in their published formats."""
