"""Ingest: read the clerks' files (CSV, XLSX, batch.yml) into one canonical frame and validate it."""
