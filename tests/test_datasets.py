"""Invariants of the committed datasets/, and the build reproducing them byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from risk.harmonise import is_aggregate
from risk.ingest.build import build
from risk.ingest.common import sha256_file


@pytest.fixture(scope="module")
def tables(datasets_dir: Path) -> dict[str, pd.DataFrame]:
    return {p.stem: pd.read_parquet(p) for p in datasets_dir.glob("*.parquet")}


def test_countries(tables: dict[str, pd.DataFrame]) -> None:
    c = tables["countries"]
    assert c["iso3"].is_unique
    assert int(c["sovereign"].sum()) >= 190
    assert not any(is_aggregate(n) for n in c["name_en"])
    short = c.set_index("iso3")["name_zh_tw"]
    assert (short["TWN"], short["CHN"], short["KOR"], short["USA"]) == (
        "台灣",
        "中國",
        "南韓",
        "美國",
    )
    sov = c[c["sovereign"]]
    assert sov["name_zh_tw"].notna().all() and sov["region"].notna().all()
    assert sov["income_group"].notna().sum() >= len(sov) - 1  # the Holy See has no income group
    flags = c.set_index("iso3")
    assert (
        flags.loc["USA", "bloc_nato"]
        and flags.loc["CHN", "bloc_brics"]
        and flags.loc["PRY", "diplomatic_ally"]
    )
    assert flags.loc["VNM", "new_southbound_policy"] and flags.loc["TWN", "home"]
    assert "D:5" in flags.loc["CHN", "export_control_groups"]


def test_every_iso3_is_a_country(tables: dict[str, pd.DataFrame]) -> None:
    known = set(tables["countries"]["iso3"])
    for name, df in tables.items():
        if "iso3" in df.columns:
            assert set(df["iso3"].dropna()) <= known, name


def test_observations(tables: dict[str, pd.DataFrame]) -> None:
    obs = tables["observations"]
    assert not obs.duplicated(["iso3", "indicator", "year"]).any()
    assert obs["value"].notna().all()
    assert set(obs["indicator"]) == set(tables["indicators"]["code"])
    # time series, not only the latest year
    gdp = obs[(obs["indicator"] == "wdi.ny.gdp.mktp.cd") & (obs["iso3"] == "KOR")]
    assert gdp["year"].nunique() > 30
    assert {"WLD", "HIC", "EUU", "EAS"}.isdisjoint(obs["iso3"])
    ge = obs[(obs["indicator"] == "wgi.ge") & (obs["year"] == 2023)]
    assert ge["iso3"].nunique() >= 190 and "TWN" in set(ge["iso3"])
    # old codes were mapped, not dropped
    assert {"ROU", "COD", "TLS", "SRB", "XKX"} <= set(
        obs.loc[obs["indicator"].isin(["wgi.ge", "unga.ideal_point"]), "iso3"]
    )


def test_catalogue(tables: dict[str, pd.DataFrame]) -> None:
    cat = tables["indicators"]
    assert cat["code"].is_unique
    for col in ("name_en", "name_zh", "unit", "source", "licence", "description"):
        assert cat[col].notna().all() and (cat[col].str.len() > 0).all(), col
    assert (cat["year_min"] <= cat["year_max"]).all() and (cat["countries"] > 0).all()


def test_geometry(datasets_dir: Path, tables: dict[str, pd.DataFrame]) -> None:
    path = datasets_dir / "countries.geojson"
    assert path.stat().st_size <= 600 * 1024
    fc = json.loads(path.read_text(encoding="utf-8"))
    keys = [f["properties"]["iso3"] for f in fc["features"]]
    assert len(keys) == len(set(keys))
    assert {"SGP", "BHR", "HKG", "MLT", "TWN"} <= set(keys)
    assert "ATA" not in keys
    assert set(keys) <= set(tables["countries"]["iso3"])


def test_infrastructure(tables: dict[str, pd.DataFrame]) -> None:
    cloud = tables["cloud_regions"]
    assert set(cloud["provider_origin"]) <= {"US", "China", "other"}
    assert {"US", "China"} <= set(cloud["provider_origin"])
    assert "HKG" in set(tables["landing_points"]["iso3"])


def test_manifest_matches_files(datasets_dir: Path) -> None:
    manifest = json.loads((datasets_dir / "manifest.json").read_text(encoding="utf-8"))
    for name, meta in manifest["tables"].items():
        assert sha256_file(datasets_dir / name) == meta["sha256"], name
        for src in meta["sources"]:
            assert src["licence"], (name, src["id"])
    sources_md = (datasets_dir / "SOURCES.md").read_text(encoding="utf-8")
    for sid in ("wdi", "natural_earth", "aei_cgit", "telegeography_cables_v3_copy"):
        assert f"`{sid}`" in sources_md


@pytest.mark.slow
def test_build_reproduces_datasets_byte_for_byte(
    shared_data: Path, datasets_dir: Path, tmp_path: Path
) -> None:
    result = build(shared_data / "raw", shared_data / "curated", tmp_path)
    manifest = json.loads((datasets_dir / "manifest.json").read_text(encoding="utf-8"))
    assert set(result.files) == set(manifest["tables"])
    for name, meta in manifest["tables"].items():
        assert result.files[name]["sha256"] == meta["sha256"], (
            f"{name} differs from the committed build"
        )
    for extra in ("manifest.json", "SOURCES.md", "harmonisation_report.csv"):
        assert (tmp_path / extra).read_bytes() == (datasets_dir / extra).read_bytes(), extra
