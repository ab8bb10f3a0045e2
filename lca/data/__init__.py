"""Loaders of the open data and the catalogs, each value a `Given` with its provenance."""
