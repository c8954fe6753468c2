from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.cbs_fetch import fetch_reference_from_cbs
from pipelines.config import DataPaths
from pipelines.reference_staging import ReferenceDataMissing, stage_reference


def _no_cbs(names, target):
    return [], ["CBS not asked in this test"]


def test_copies_missing_files_and_never_overwrites(tmp_path: Path, reference_dir: Path):
    paths = DataPaths(tmp_path)
    paths.reference.mkdir(parents=True)
    own = paths.reference / "corop_regions.csv"
    own.write_text("gemeentecode,corop_code\nGM0363,CR23\n")
    (paths.reference / "corporaties.csv").write_text("corporatie;naam;vestigingsgemeente;opgeheven_per;opgegaan_in\n")

    result = stage_reference(paths, source_dir=reference_dir, fetch_from_cbs=_no_cbs)

    assert sorted(result.copied) == ["municipal_mergers.csv", "municipalities.csv"]
    assert own.read_text() == "gemeentecode,corop_code\nGM0363,CR23\n"
    assert (paths.reference / "municipalities.csv").read_bytes() == (reference_dir / "municipalities.csv").read_bytes()
    assert not list(paths.reference.glob(".*partial"))


def test_missing_everything_names_files_and_folder(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("NPA_REFERENCE_DIR", raising=False)
    paths = DataPaths(tmp_path)
    with pytest.raises(ReferenceDataMissing) as err:
        stage_reference(paths, source_dir=None, fetch_from_cbs=_no_cbs)
    message = str(err.value)
    for name in ("municipalities.csv", "municipal_mergers.csv", "corop_regions.csv", "corporaties.csv"):
        assert name in message
    assert str(paths.reference) in message


def test_corporations_may_be_left_for_the_generator(tmp_path: Path, reference_dir: Path):
    paths = DataPaths(tmp_path)
    stage_reference(paths, source_dir=reference_dir, fetch_from_cbs=_no_cbs, require_corporations=False)
    with pytest.raises(ReferenceDataMissing, match="corporaties.csv"):
        stage_reference(paths, source_dir=reference_dir, fetch_from_cbs=_no_cbs)


def _fake_cbs():
    """Responses shaped like CBS OData v3: a catalogue, DataProperties and TypedDataSet per table."""
    tables = {"T2022": 2022, "T2023": 2023}
    props = [
        {"ID": 1, "Type": "GroupTopic", "Title": "Gemeenten"},
        {"ID": 2, "ParentID": 1, "Key": "Code_1", "Title": "Code"},
        {"ID": 3, "ParentID": 1, "Key": "Naam_2", "Title": "Naam"},
        {"ID": 4, "Type": "GroupTopic", "Title": "COROP-gebieden"},
        {"ID": 5, "ParentID": 4, "Key": "Code_10", "Title": "Code"},
        {"ID": 6, "ParentID": 4, "Key": "Naam_11", "Title": "Naam"},
        {"ID": 7, "Type": "GroupTopic", "Title": "Provincies"},
        {"ID": 8, "ParentID": 7, "Key": "Code_28", "Title": "Code"},
        {"ID": 9, "ParentID": 7, "Key": "Naam_29", "Title": "Naam"},
    ]

    def row(code, name):
        return {"Code_1": code + " ", "Naam_2": name, "Code_10": "CR23", "Naam_11": "Groot-Amsterdam",
                "Code_28": "PV27", "Naam_29": "Noord-Holland"}

    data = {
        "T2022": [row("GM0363", "Amsterdam"), row("GM0457", "Weesp")],
        "T2023": [row("GM0363", "Amsterdam")],
    }
    calls = []

    def get_json(url: str) -> dict:
        calls.append(url)
        if "ODataCatalog" in url:
            return {"value": [{"Identifier": t, "Title": f"Gebieden in Nederland {y}"} for t, y in tables.items()]
                    + [{"Identifier": "X", "Title": "Bevolking"}]}
        table = url.split("/odata/")[1].split("/")[0]
        if "DataProperties" in url:
            return {"value": props}
        return {"value": data[table]}

    return get_json, calls


def test_cbs_fallback_writes_municipalities_and_corop(tmp_path: Path):
    get_json, calls = _fake_cbs()
    written, notes = fetch_reference_from_cbs(
        ["municipalities.csv", "municipal_mergers.csv", "corop_regions.csv"], tmp_path, get_json
    )
    assert written == ["municipalities.csv", "corop_regions.csv"]
    assert any("municipal_mergers.csv" in n for n in notes), "must say what CBS cannot provide"
    lines = (tmp_path / "municipalities.csv").read_text().splitlines()
    assert lines[0].startswith("year,gemeentecode,gemeentecode_cbs,gemeentenaam")
    assert "2022,GM0457,0457,Weesp,PV27,Noord-Holland,2022-01-01,2023-01-01" in lines
    assert "2023,GM0363,0363,Amsterdam,PV27,Noord-Holland,2022-01-01," in lines
    corop = (tmp_path / "corop_regions.csv").read_text().splitlines()
    assert len(corop) == 2 and corop[1].startswith("GM0363,Amsterdam,PV27,Noord-Holland,CR23,Groot-Amsterdam")
    assert all(u.startswith("https://opendata.cbs.nl/") for u in calls)


def test_staging_uses_cbs_when_no_source_and_still_asks_for_mergers(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("NPA_REFERENCE_DIR", raising=False)
    get_json, _ = _fake_cbs()
    paths = DataPaths(tmp_path)

    def fetch(names, target):
        return fetch_reference_from_cbs(names, target, get_json)

    with pytest.raises(ReferenceDataMissing) as err:
        stage_reference(paths, source_dir=None, fetch_from_cbs=fetch, require_corporations=False)
    assert "municipal_mergers.csv" in str(err.value)
    assert (paths.reference / "municipalities.csv").exists()
    assert json.dumps(str(err.value))  # message is plain text
