"""Loaders of the national publications (ONS, Census, IOPC, Home Office, coroners) in their published formats.

`load` holds the steps they share (find, hash, skip when loaded, write with the ledger in one transaction, one
edition per ledger period), `formats` what their formats share (CSV as text with row numbers, financial years, whole
numbers, repeated keys), `aliases` the force-name matching; each other module reads and checks one publication.
"""
