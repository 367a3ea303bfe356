"""Interchange format v1 as data and pure columnar checks (no file I/O here)."""
