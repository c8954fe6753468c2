"""The ingest assets materialise in-process against a temporary data root."""

from __future__ import annotations

import dagster as dg

from ingest_support import data_root, log
from pipelines.ingest.assets import ingest_assets
from pipelines.resources import WarehouseResource


def test_assets_materialise_with_metadata(tmp_path):
    paths = data_root(tmp_path)
    (paths.raw / "register/2022-12-31/L0002.csv").write_bytes(b"")
    resources = {"warehouse": WarehouseResource(data_dir=str(paths.root))}
    result = dg.materialize(ingest_assets, resources=resources)
    assert result.success
    by_key = {
        m.asset_key.to_user_string(): m.metadata
        for m in (e.event_specific_data.materialization for e in result.get_asset_materialization_events())
    }
    assert set(by_key) == {"raw/reference", "raw/register", "raw/agreements", "raw/targets", "raw/load_log"}
    register = by_key["raw/register"]
    assert register["files_loaded"].value == 2 and register["files_rejected"].value == 1
    assert register["rows_written"].value == 5 and "L0002.csv" in register["rejected"].value
    assert by_key["raw/load_log"]["files_rejected"].value == 1
    assert log(paths)["register/2022-12-31/L0002.csv"][0] == "rejected"

    again = dg.materialize(ingest_assets, resources=resources)
    metadata = {
        m.asset_key.to_user_string(): m.metadata
        for m in (e.event_specific_data.materialization for e in again.get_asset_materialization_events())
    }
    assert metadata["raw/register"]["files_unchanged"].value == 2
    assert metadata["raw/register"]["files_parsed"].value == 1  # only the rejected file is looked at again
