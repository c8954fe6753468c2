"""The warehouse domain: dbt models as Dagster assets, and publishing a release to analysts."""
