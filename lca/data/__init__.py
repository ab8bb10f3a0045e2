"""Loaders of the open data, the catalogs and the source registry."""
