"""Validate delivered files on their own, before they reach data/raw/ (`npa validate PATH...`).

run.py: reading, checking and printing; sql_expectations.py: the GX suites' rules in DuckDB (no
great_expectations import); texts.py: the Dutch side of the output; job.py: the same as the
Dagster job `validate_files`.
"""
