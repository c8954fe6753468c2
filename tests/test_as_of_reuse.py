"""An as-of build takes from the nightly build only what cannot depend on the reference date.

The tagged models (`as_of_independent`) are left out of an as-of build that starts as a copy of a
complete nightly build of the same inputs (pipelines/warehouse/as_of.py). That is only right when
neither the model nor anything upstream of it reads the date or a run's values: checked here in the
manifest, and the tests the reuse leaves out are only those of the models it takes.
"""

from __future__ import annotations

import functools
import json
import subprocess
from pathlib import Path

import pytest

from pipelines.config import DBT_PROJECT_DIR
from pipelines.warehouse.as_of import as_of_build_args
from pipelines.warehouse.dbt_cli import DBT_EXECUTABLE, process_environment

TAG = "as_of_independent"
# the macros through which a model reads the reference date or a run's values (macros/)
RUN_DEPENDENT_MACROS = {"as_of_value", "as_of_date", "visible_as_of", "runtime_env"}
# the models that make an as-of build slow; if they lost the tag, the reuse would save nothing
COSTLY = {"int_register_units_mapped", "int_register_corporations_compared", "int_dwellings_matched"}


@pytest.fixture(scope="module")
def manifest(dbt_manifest: Path) -> dict:
    return json.loads(dbt_manifest.read_text())


def _buildable(manifest: dict) -> dict[str, dict]:
    return {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] in ("model", "seed", "snapshot")}


def _reads_run_values(node: dict) -> bool:
    macros = {m.rsplit(".", 1)[-1] for m in node.get("depends_on", {}).get("macros", [])}
    code = node.get("raw_code") or ""
    return bool(macros & RUN_DEPENDENT_MACROS) or "env_var(" in code or "var(" in code.replace("env_var(", "")


def test_models_taken_from_the_nightly_read_no_reference_date_upstream(manifest):
    nodes = _buildable(manifest)

    @functools.cache
    def depends_on_run(uid: str) -> bool:
        node = nodes[uid]
        return _reads_run_values(node) or any(
            depends_on_run(parent) for parent in node.get("depends_on", {}).get("nodes", []) if parent in nodes)

    tagged = {uid for uid, n in nodes.items() if TAG in n.get("tags", [])}
    assert COSTLY <= {nodes[uid]["name"] for uid in tagged}
    offending = sorted(nodes[uid]["name"] for uid in tagged if depends_on_run(uid))
    assert offending == [], f"tagged {TAG} but reads the reference date or a run's values upstream: {offending}"
    # and the check itself can fail: the models that filter on the date are found
    assert depends_on_run("model.npa_monitor.int_register_units_visible")
    assert depends_on_run("model.npa_monitor.dq_findings")


def _listed(args: list[str]) -> set[str]:
    """`dbt ls` of an as-of build's selection: unique ids."""
    selection = [a for a in args if a not in ("build", "--no-write-json")]
    out = subprocess.run(
        [DBT_EXECUTABLE, "ls", *selection, "--output", "json", "--output-keys", "unique_id", "--quiet",
         "--profiles-dir", ".", "--project-dir", "."],
        cwd=DBT_PROJECT_DIR, env=process_environment({}), check=True, capture_output=True, text=True).stdout
    return {json.loads(line)["unique_id"] for line in out.splitlines() if line.startswith("{")}


def test_reuse_leaves_out_only_the_models_taken_and_their_own_tests(manifest):
    nodes = _buildable(manifest)
    tagged = {uid for uid, n in nodes.items() if TAG in n.get("tags", [])}
    full, reusing = _listed(as_of_build_args(False)), _listed(as_of_build_args(True))

    left_out = full - reusing
    assert reusing <= full
    assert {uid for uid in left_out if uid in nodes} == tagged & full
    for uid in left_out - set(nodes):
        parents = set(manifest["nodes"][uid]["depends_on"]["nodes"]) & set(nodes)
        assert parents and parents <= tagged, f"{uid} tests a model the as-of build makes, yet is left out"
    # the tests between rebuilt marts and the dimensions taken from the nightly still run
    kept = [manifest["nodes"][uid]["name"] for uid in reusing if uid.startswith("test.")]
    assert any(name.startswith("relationships_fct_commitments_") and "dim_municipality" in name for name in kept)
