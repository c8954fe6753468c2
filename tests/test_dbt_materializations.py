"""The project's own `table` and `view` materializations (dbt_project/macros/materializations.sql).

They replace a relation inside the node's transaction instead of swapping in a copy, so what must
hold is what the swap guaranteed: a model that fails leaves its previous relation as it was, a
model can change between view and table, nothing is left under a temporary name, and an enforced
contract still refuses rows that break it. Run on a copy of the project with a few probe models,
on an empty raw layer (the probes read none of it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT = Path(sys.executable).parent / "dbt"

PROBES = {
    # the value comes from the environment when the node runs: `boom` is not an integer
    "probe_table.sql": """{{ config(materialized='table') }}
select cast('{{ runtime_env("NPA_PROBE_VALUE", "1") }}' as integer) as x
""",
    "probe_switch.sql": """{{ config(materialized=var('probe_switch', 'view')) }}
select 7 as x
""",
    "probe_contract.sql": """{{ config(materialized='table', contract={'enforced': true}) }}
select cast(nullif('{{ runtime_env("NPA_PROBE_VALUE", "1") }}', 'null') as integer) as x
""",
}
PROBE_SCHEMA = """version: 2
models:
  - name: probe_contract
    columns:
      - name: x
        data_type: integer
        constraints:
          - type: not_null
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("materializations")
    project = root / "dbt_project"
    shutil.copytree(REPO_ROOT / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    probes = project / "models" / "probes"
    probes.mkdir()
    for name, text in PROBES.items():
        (probes / name).write_text(text, encoding="utf-8")
    (probes / "_probes.yml").write_text(PROBE_SCHEMA, encoding="utf-8")
    duckdb.connect(str(root / "raw.duckdb")).close()
    return project


def dbt(project: Path, select: str, value: str = "1", switch: str | None = None) -> subprocess.CompletedProcess:
    root = project.parent
    env = {**os.environ, "NPA_RAW_DB": str(root / "raw.duckdb"), "NPA_BUILD_DB": str(root / "build.duckdb"),
           "NPA_PROBE_VALUE": value, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    # a var other than the last build's makes dbt parse the project again: only where it matters
    switch_var = ["--vars", f"{{probe_switch: {switch}}}"] if switch else []
    return subprocess.run(
        [str(DBT), "run", "--select", select, *switch_var,
         "--project-dir", str(project), "--profiles-dir", str(project),
         "--target-path", str(root / "target"), "--log-path", str(root / "logs")],
        env=env, capture_output=True, text=True, cwd=project)


def query(project: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(project.parent / "build.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def relations(project: Path) -> dict[str, str]:
    return dict(query(project, "select table_name, table_type from information_schema.tables "
                               "where table_name like 'probe%' or table_name like '%__dbt_%'"))


def test_a_failing_model_leaves_its_previous_table(project):
    first = dbt(project, "probe_table")
    assert first.returncode == 0, first.stdout[-3000:]
    assert query(project, "select x from main.probe_table") == [(1,)]
    failed = dbt(project, "probe_table", value="boom")
    assert failed.returncode == 1
    assert "boom" in failed.stdout
    assert query(project, "select x from main.probe_table") == [(1,)]
    assert dbt(project, "probe_table", value="2").returncode == 0
    assert query(project, "select x from main.probe_table") == [(2,)]
    assert not [name for name in relations(project) if "__dbt_" in name]


def test_a_model_changes_between_view_and_table(project):
    for switch, kind in (("view", "VIEW"), ("table", "BASE TABLE"), ("view", "VIEW")):
        done = dbt(project, "probe_switch", switch=switch)
        assert done.returncode == 0, done.stdout[-3000:]
        assert relations(project)["probe_switch"] == kind
        assert query(project, "select x from main.probe_switch") == [(7,)]
    assert not [name for name in relations(project) if "__dbt_" in name]


def test_an_enforced_contract_still_refuses_a_null(project):
    assert dbt(project, "probe_contract").returncode == 0
    refused = dbt(project, "probe_contract", value="null")
    assert refused.returncode == 1
    assert "NOT NULL constraint failed" in refused.stdout
    assert query(project, "select x from main.probe_contract") == [(1,)]
