"""The dbt project's graph as Dagster specs (from manifest.json) and dbt's log as Dagster events,
without dagster-dbt and without importing dbt in the run's process."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from types import SimpleNamespace

import dagster as dg
import pytest

from pipelines.config import REPO_ROOT
from pipelines.warehouse.dbt_assets import dagster_events, subset_selection
from pipelines.warehouse.dbt_manifest import MANIFEST_PATH, ManifestMissing, dbt_graph, graph_from_manifest


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))


def test_loading_the_code_location_imports_neither_dbt_nor_dagster_dbt():
    probe = ("import sys, pipelines.definitions as d; d.defs.resolve_job_def('nightly_refresh'); "
             "print(sorted(m for m in sys.modules if m == 'dbt' or m.startswith(('dbt.', 'dagster_dbt'))))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_model_and_seed_is_an_asset_keyed_by_schema_with_its_dependencies(manifest):
    graph = graph_from_manifest(manifest)
    specs = {spec.key: spec for spec in graph.specs}
    models = [n for n in manifest["nodes"].values() if n["resource_type"] in ("model", "seed")]
    assert len(specs) == len(models)
    for node in models:
        key = dg.AssetKey([node["config"]["schema"], node["name"]])
        assert specs[key].group_name == node["config"]["schema"]
        assert specs[key].kinds == {"dbt", "duckdb"}
    progress = specs[dg.AssetKey(["marts", "progress_national"])]
    assert {d.asset_key for d in progress.deps} >= {dg.AssetKey(["marts", "commitments_by_area"]),
                                                   dg.AssetKey(["marts", "national_targets"])}
    assert "committed_value" in [c.name for c in progress.metadata["dagster/column_schema"].columns]
    # a source is the ingest asset that loads it (meta.dagster.asset_key in _sources.yml)
    staging = specs[dg.AssetKey(["staging", "stg_raw__register_units"])]
    assert dg.AssetKey(["raw", "register"]) in {d.asset_key for d in staging.deps}


def test_data_tests_are_checks_on_the_model_they_test(manifest):
    graph = graph_from_manifest(manifest)
    checks = {(c.asset_key, c.name): c for c in graph.check_specs}
    tests = {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] == "test"}
    for uid, test in tests.items():
        parents = set(test["depends_on"]["nodes"])
        if test.get("attached_node") or len(parents) == 1:
            assert uid in graph.check_by_test, test["name"]
        else:  # a singular test over several models, no ref: dbt runs it, it is no check
            assert uid not in graph.check_by_test
    unique = next(c for c in checks.values() if c.name.startswith("unique_int_register_units_mapped"))
    assert unique.asset_key == dg.AssetKey(["intermediate", "int_register_units_mapped"])
    assert unique.blocking
    assert graph.key("dq_findings") == dg.AssetKey(["marts", "dq_findings"])


def test_a_missing_manifest_says_how_to_make_it(tmp_path):
    with pytest.raises(ManifestMissing, match="make manifest"):
        dbt_graph(tmp_path / "manifest.json")


class CannedInvocation:
    """A dbt invocation that replays log events."""

    def __init__(self, events, returncode=0):
        self._events, self.returncode = events, returncode

    def events(self):
        yield from self._events

    message = staticmethod(lambda e: (e["info"].get("level", ""), e["info"].get("msg", "")))


def _result(name: str, uid: str, status: str, **data) -> dict:
    return {"info": {"name": name, "level": "info", "msg": f"{uid} {status}"},
            "data": {"node_info": {"unique_id": uid, "node_status": status}, "status": status, **data}}


def _context(graph, keys=None, checks=None):
    return SimpleNamespace(
        selected_asset_keys=set(keys if keys is not None else graph.name_by_key),
        selected_asset_check_keys=set(checks if checks is not None else graph.check_by_test.values()),
        log=logging.getLogger("test"))


def test_dbt_results_become_materializations_and_check_results(manifest):
    graph = graph_from_manifest(manifest)
    model = "model.npa_monitor.progress_national"
    test_uid, check = next(iter(graph.check_by_test.items()))
    events = [
        {"info": {"name": "MainReportVersion", "level": "info", "msg": "Running with dbt"}, "data": {}},
        _result("LogModelResult", model, "success", execution_time=0.25),
        _result("LogTestResult", test_uid, "warn", num_failures=3),
        _result("LogModelResult", "model.npa_monitor.stock_by_area", "error"),
        _result("LogTestResult", "test.npa_monitor.not_a_check", "pass"),
    ]
    out = list(dagster_events(CannedInvocation(events), graph, _context(graph)))
    assert len(out) == 2
    materialized, checked = out
    assert isinstance(materialized, dg.MaterializeResult)
    assert materialized.asset_key == dg.AssetKey(["marts", "progress_national"])
    assert materialized.metadata["Execution Duration"] == 0.25
    assert isinstance(checked, dg.AssetCheckResult)
    assert (checked.asset_key, checked.check_name) == (check.asset_key, check.name)
    assert checked.passed is False and checked.severity == dg.AssetCheckSeverity.WARN
    assert checked.metadata["dagster_dbt/failed_row_count"].value == 3


def test_a_subset_gives_events_for_the_selected_nodes_only(manifest):
    graph = graph_from_manifest(manifest)
    key = dg.AssetKey(["marts", "progress_national"])
    context = _context(graph, keys=[key], checks=[])
    assert subset_selection(graph, context) == "progress_national"
    events = [_result("LogModelResult", "model.npa_monitor.progress_national", "success"),
              _result("LogModelResult", "model.npa_monitor.stock_by_area", "success"),
              *(_result("LogTestResult", uid, "pass") for uid in graph.check_by_test)]
    out = list(dagster_events(CannedInvocation(events), graph, context))
    assert [e.asset_key for e in out] == [key]
