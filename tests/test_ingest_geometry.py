"""Map geometry: keying, merging and simplifying Natural Earth units; attaching values."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box, shape

from risk.errors import IngestError
from risk.geo import load_geometry
from risk.harmonise import CountryMatcher
from risk.ingest.countries import build_country_tables
from risk.ingest.geometry import (
    MAX_BYTES,
    REQUIRED,
    build_geometry,
    dumps_geometry,
    features_from_units,
    simplify_geometry,
    write_geometry,
)

FIXTURES = Path(__file__).parent / "fixtures" / "geo"
KNOWN = [
    "AUS", "BHR", "CHN", "CYP", "HKG", "MAC", "MLT", "SGP", "SOM", "SSD", "TUV", "TWN", "XKX",
    "ESH", "PSE",
]  # fmt: skip


def small_matcher() -> CountryMatcher:
    names = pd.DataFrame({"iso3": KNOWN, "name": KNOWN, "kind": "code"})
    return CountryMatcher(names, KNOWN)


def fixture_units() -> gpd.GeoDataFrame:
    spec = json.loads((FIXTURES / "ne_units.json").read_text(encoding="utf-8"))["units"]
    return gpd.GeoDataFrame(
        {"ADM0_A3": [u["ADM0_A3"] for u in spec], "ISO_A3_EH": [u["ISO_A3_EH"] for u in spec]},
        geometry=[box(*u["box"]) for u in spec],
        crs="EPSG:4326",
    )


def write_ne_zip(units: gpd.GeoDataFrame, raw: Path) -> Path:
    """Write units as the Natural Earth zip the ingest reads (a zipped shapefile)."""
    folder = raw / "natural_earth"
    shp = folder / "shp"
    shp.mkdir(parents=True)
    units.to_file(shp / "ne_50m_admin_0_countries.shp", engine="pyogrio")
    path = folder / "ne_50m_admin_0_countries.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for member in sorted(shp.iterdir()):
            zf.write(member, member.name)
    return path


def iso3s(fc: dict[str, Any]) -> list[str]:
    return [f["properties"]["iso3"] for f in fc["features"]]


def all_coords(geometry: dict[str, Any]) -> np.ndarray:
    return shapely.get_coordinates(shape(geometry))


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def fixture_fc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    raw = tmp_path_factory.mktemp("raw")
    write_ne_zip(fixture_units(), raw)
    return build_geometry(raw, small_matcher())


def test_keys_are_iso3_sorted_with_exceptions_applied(fixture_fc: dict[str, Any]) -> None:
    assert iso3s(fixture_fc) == [
        "AUS", "BHR", "CHN", "CYP", "HKG", "MAC", "MLT", "SGP", "SOM", "SSD", "TUV", "TWN", "XKX",
    ]  # fmt: skip
    for f in fixture_fc["features"]:
        assert list(f["properties"]) == ["iso3"]


def test_somaliland_and_northern_cyprus_are_merged(fixture_fc: dict[str, Any]) -> None:
    geoms = {f["properties"]["iso3"]: shape(f["geometry"]) for f in fixture_fc["features"]}
    assert geoms["SOM"].area == pytest.approx(10 * 9.5 + 6 * 3.5, rel=1e-3)
    assert geoms["SOM"].geom_type == "Polygon"  # the two boxes share an edge: one shape
    assert geoms["CYP"].area == pytest.approx(1.7 * 0.6 + 1.8 * 0.6, rel=1e-3)


def test_units_sharing_a_code_are_dissolved(fixture_fc: dict[str, Any]) -> None:
    aus = next(f for f in fixture_fc["features"] if f["properties"]["iso3"] == "AUS")
    assert aus["geometry"]["type"] == "MultiPolygon"
    assert len(aus["geometry"]["coordinates"]) == 2


def test_polygons_valid_rounded_and_counter_clockwise(fixture_fc: dict[str, Any]) -> None:
    for f in fixture_fc["features"]:
        geom = shape(f["geometry"])
        assert geom.is_valid and not geom.is_empty and geom.area > 0
        xy = all_coords(f["geometry"])
        assert np.allclose(xy, np.round(xy, 3), atol=1e-12)
        for poly in shapely.get_parts(geom):
            assert poly.exterior.is_ccw


def test_tiny_island_state_survives(fixture_fc: dict[str, Any]) -> None:
    tuv = next(f for f in fixture_fc["features"] if f["properties"]["iso3"] == "TUV")
    assert shape(tuv["geometry"]).area > 0


def test_geometry_smaller_than_the_grid_raises() -> None:
    speck = box(10.0, 10.0, 10.0002, 10.0002)
    with pytest.raises(IngestError, match="vanished"):
        simplify_geometry(speck, 0.05)


def test_unknown_unit_code_raises() -> None:
    units = fixture_units()
    units.loc[len(units)] = ["XYZ", "-99", box(0, 0, 1, 1)]
    with pytest.raises(IngestError, match="without a known ISO3") as err:
        features_from_units(units, small_matcher())
    assert err.value.rows == [{"ADM0_A3": "XYZ", "ISO_A3_EH": "-99"}]


def test_missing_small_place_raises(tmp_path: Path) -> None:
    units = fixture_units()
    write_ne_zip(units[units["ADM0_A3"] != "BHR"], tmp_path)
    with pytest.raises(IngestError, match="small places") as err:
        build_geometry(tmp_path, small_matcher())
    assert err.value.rows == [{"iso3": "BHR"}]


def test_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="not found"):
        build_geometry(tmp_path, small_matcher())


def test_write_is_deterministic_and_loads_back(tmp_path: Path, fixture_fc: dict[str, Any]) -> None:
    a = write_geometry(fixture_fc, tmp_path / "a.geojson").read_bytes()
    b = write_geometry(json.loads(json.dumps(fixture_fc)), tmp_path / "b.geojson").read_bytes()
    assert a == b
    assert b" " not in a  # compact
    assert load_geometry(tmp_path / "a.geojson") == fixture_fc


# ------------------------------------------------------------------ real data


@pytest.fixture(scope="module")
def matcher(shared_data: Path) -> CountryMatcher:
    tables = build_country_tables(shared_data / "raw", shared_data / "curated")
    return CountryMatcher(tables.names, tables.countries["iso3"])


@pytest.fixture(scope="module")
def real_fc(shared_data: Path, matcher: CountryMatcher) -> dict[str, Any]:
    return build_geometry(shared_data / "raw", matcher)


def test_real_size_and_places(real_fc: dict[str, Any], matcher: CountryMatcher) -> None:
    size = len(dumps_geometry(real_fc).encode("utf-8"))
    assert 300_000 < size <= MAX_BYTES
    keys = iso3s(real_fc)
    assert keys == sorted(set(keys))
    assert set(REQUIRED) | {"MAC", "MUS", "MDV", "XKX", "SSD", "ESH", "PSE"} <= set(keys)
    assert not {"ATA", "SOL", "CYN", "KAS", "KOS"} & set(keys)
    assert set(keys) <= matcher.known
    assert len(keys) > 220


def test_real_polygons_valid_and_rounded(real_fc: dict[str, Any]) -> None:
    for f in real_fc["features"]:
        geom = shape(f["geometry"])
        assert geom.geom_type in ("Polygon", "MultiPolygon"), f["properties"]
        assert geom.is_valid and not geom.is_empty and geom.area > 0, f["properties"]
        xy = all_coords(f["geometry"])
        assert np.allclose(xy, np.round(xy, 3), atol=1e-9)


def test_real_build_is_byte_identical(
    tmp_path: Path, shared_data: Path, matcher: CountryMatcher, real_fc: dict[str, Any]
) -> None:
    again = build_geometry(shared_data / "raw", matcher)
    a = write_geometry(real_fc, tmp_path / "a.geojson").read_bytes()
    b = write_geometry(again, tmp_path / "b.geojson").read_bytes()
    assert a == b
