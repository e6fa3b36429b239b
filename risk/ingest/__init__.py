"""Ingest: raw public sources -> compact derived tables in datasets/ (load, process, save, assert)."""
