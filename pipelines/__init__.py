"""The performance-agreement monitor: Dagster code location and the libraries it runs."""
