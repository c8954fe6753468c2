"""The dbt project's lineage as Dagster asset and check specs, read from dbt's manifest.json.

This is what dagster-dbt's `@dbt_assets` derives from the manifest, without importing dagster-dbt:
dagster-dbt imports dbt itself (about 2 s of every process that loads the code location: the
nightly, the UI's code server, every CLI run), while the run only needs the graph, which the
manifest holds as JSON. dbt then runs as its own process (`dbt_cli.dbt_log_events`).

The graph is the same as dagster-dbt's with this project's translator:
- models, seeds and snapshots are assets keyed `<schema>/<name>`, grouped by schema, kinds dbt and
  duckdb; a source is keyed by its `meta.dagster.asset_key` (the ingest asset that loads it),
  else `<source_name>/<table>`;
- a data test is an asset check on the node it is attached to (a generic test's `attached_node`,
  a singular test's only parent or its `meta.dagster.ref`); singular tests over several models
  without a ref are run by `dbt build` but are no check; an `error` test blocks.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg

from pipelines.config import DBT_PROJECT_DIR

MANIFEST_PATH = DBT_PROJECT_DIR / "target" / "manifest.json"
ASSET_TYPES = ("model", "seed", "snapshot")
KINDS = {"dbt", "duckdb"}


class ManifestMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class DbtGraph:
    """The assets and checks of a dbt project, and how dbt's unique ids map to them."""

    specs: tuple[dg.AssetSpec, ...]
    check_specs: tuple[dg.AssetCheckSpec, ...]
    key_by_id: Mapping[str, dg.AssetKey]  # models, seeds, snapshots (and sources)
    check_by_test: Mapping[str, dg.AssetCheckKey]  # data tests that are checks
    name_by_key: Mapping[dg.AssetKey, str]  # dbt's node name, for `--select`

    def key(self, model_name: str) -> dg.AssetKey:
        """The asset key of a model, seed or snapshot, by its dbt name."""
        for key, name in self.name_by_key.items():
            if name == model_name:
                return key
        raise KeyError(f"no dbt model named {model_name!r} in {MANIFEST_PATH}")


def _meta(props: Mapping[str, Any]) -> Mapping[str, Any]:
    return props.get("config", {}).get("meta") or props.get("meta") or {}


def node_key(props: Mapping[str, Any]) -> dg.AssetKey:
    if props["resource_type"] == "source":
        explicit = _meta(props).get("dagster", {}).get("asset_key")
        return dg.AssetKey(explicit) if explicit else dg.AssetKey([props["source_name"], props["name"]])
    schema = props.get("config", {}).get("schema") or "main"
    return dg.AssetKey([schema, props["name"]])


def _column_schema(props: Mapping[str, Any]) -> dg.TableSchema | None:
    columns = [
        dg.TableColumn(name=c["name"], type=c.get("data_type") or "?", description=c.get("description") or None)
        for c in props.get("columns", {}).values()
    ]
    return dg.TableSchema(columns=columns) if columns else None


def _description(props: Mapping[str, Any]) -> str:
    """The node's description, and its SQL for the UI's asset page (as dagster-dbt shows it)."""
    text = (props.get("description") or "").strip() or f"dbt {props['resource_type']} {props['name']}"
    code = (props.get("raw_code") or "").strip()
    return f"{text}\n\n#### Raw SQL:\n```sql\n{code}\n```" if code else text


def _asset_spec(props: Mapping[str, Any], deps: Iterable[dg.AssetKey]) -> dg.AssetSpec:
    metadata: dict[str, Any] = {"dbt/unique_id": props["unique_id"],
                                "dbt/materialized": props.get("config", {}).get("materialized", "")}
    if props.get("relation_name"):
        metadata["dagster/relation_identifier"] = props["relation_name"].replace('"', "")
    schema = _column_schema(props)
    if schema:
        metadata["dagster/column_schema"] = schema
    code = props.get("raw_code") or ""
    return dg.AssetSpec(
        key=node_key(props),
        deps=sorted(set(deps), key=lambda k: k.path),
        description=_description(props),
        group_name=props.get("config", {}).get("schema") or "warehouse",
        kinds=KINDS,
        code_version=hashlib.sha1(code.encode()).hexdigest() if code else props.get("checksum", {}).get("checksum"),
        metadata=metadata,
        tags={tag: "" for tag in props.get("tags", [])},
        skippable=True,
    )


def _attached(test: Mapping[str, Any], nodes: Mapping[str, Any]) -> str | None:
    ref = _meta(test).get("dagster", {}).get("ref")
    if ref:
        return next((uid for uid, n in nodes.items() if n["name"] == ref["name"]
                     and n["resource_type"] in ASSET_TYPES), None)
    parents = set(test.get("depends_on", {}).get("nodes", []))
    if len(parents) == 1:
        return next(iter(parents))
    return test.get("attached_node")


def graph_from_manifest(manifest: Mapping[str, Any]) -> DbtGraph:
    nodes, sources = manifest["nodes"], manifest.get("sources", {})
    everything = {**nodes, **sources}
    key_by_id = {uid: node_key(p) for uid, p in everything.items()
                 if p["resource_type"] in ASSET_TYPES or p["resource_type"] == "source"}
    assets = {uid: p for uid, p in nodes.items()
              if p["resource_type"] in ASSET_TYPES and p.get("config", {}).get("materialized") != "ephemeral"}
    specs = [_asset_spec(p, (key_by_id[d] for d in p.get("depends_on", {}).get("nodes", []) if d in key_by_id))
             for p in assets.values()]

    check_specs, check_by_test = [], {}
    for uid, test in sorted(nodes.items()):
        if test["resource_type"] != "test":
            continue
        target = _attached(test, nodes)
        if target not in assets:
            continue
        key = key_by_id[target]
        severity = (test.get("config", {}).get("severity") or "error").lower()
        check_specs.append(dg.AssetCheckSpec(
            name=test["name"],
            asset=key,
            description=_meta(test).get("description") or test.get("description") or None,
            additional_deps=sorted({key_by_id[d] for d in test.get("depends_on", {}).get("nodes", []) if d in key_by_id} - {key},
                                   key=lambda k: k.path),
            blocking=severity == "error",
            metadata={"dbt/unique_id": uid},
        ))
        check_by_test[uid] = dg.AssetCheckKey(key, test["name"])

    keys = [node_key(p) for p in assets.values()]
    if len(set(keys)) != len(keys):
        raise ValueError(f"two dbt nodes share an asset key in {MANIFEST_PATH}")
    return DbtGraph(
        specs=tuple(specs),
        check_specs=tuple(check_specs),
        key_by_id=key_by_id,
        check_by_test=check_by_test,
        name_by_key={node_key(p): p["name"] for p in assets.values()},
    )


@functools.cache
def dbt_graph(manifest_path: Path = MANIFEST_PATH) -> DbtGraph:
    if not manifest_path.is_file():
        raise ManifestMissing(f"{manifest_path} is missing: run `make manifest` (dbt parse) first")
    return graph_from_manifest(json.loads(manifest_path.read_text(encoding="utf-8")))
