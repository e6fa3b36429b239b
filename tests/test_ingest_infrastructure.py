"""Cloud regions, landing points, cables: exact results on small files, then the real sources."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from risk.errors import IngestError
from risk.harmonise import CountryMatcher
from risk.ingest.countries import build_country_tables
from risk.ingest.infrastructure import (
    CATALOGUE_COLUMNS,
    CLOUD_COLUMNS,
    LANDING_COLUMNS,
    MAX_CABLE_BYTES,
    Infrastructure,
    build_infrastructure,
    dumps_cables,
    parse_cim,
)
from risk.ingest.sources import SOURCES

FIXTURES = Path(__file__).parent / "fixtures" / "geo"
KNOWN = ["CHN", "COD", "COG", "GBR", "HKG", "KOR", "MAC", "SGP", "TWN", "USA", "ZAF"]
NAMES = [
    ("CHN", "China", "short_en"),
    ("SGP", "Singapore", "short_en"),
    ("SGP", "SG", "iso2"),
    ("GBR", "United Kingdom", "short_en"),
    ("GBR", "GB", "iso2"),
    ("KOR", "KR", "iso2"),
    ("USA", "United States", "short_en"),
    ("ZAF", "South Africa", "short_en"),
]


def small_matcher() -> CountryMatcher:
    names = pd.DataFrame(NAMES, columns=["iso3", "name", "kind"])
    return CountryMatcher(names, KNOWN)


def write_ne_zip(raw: Path) -> None:
    """China, Hong Kong and Macao boxes in a zipped shapefile, as the ingest reads Natural Earth."""
    spec = json.loads((FIXTURES / "ne_units.json").read_text(encoding="utf-8"))["units"]
    units = [u for u in spec if u["ADM0_A3"] in ("CHN", "HKG", "MAC")]
    gdf = gpd.GeoDataFrame(
        {"ADM0_A3": [u["ADM0_A3"] for u in units], "ISO_A3_EH": [u["ISO_A3_EH"] for u in units]},
        geometry=[box(*u["box"]) for u in units],
        crs="EPSG:4326",
    )
    shp = raw / "natural_earth" / "shp"
    shp.mkdir(parents=True)
    gdf.to_file(shp / "ne_50m_admin_0_countries.shp", engine="pyogrio")
    with zipfile.ZipFile(raw / "natural_earth" / "ne_50m_admin_0_countries.zip", "w") as zf:
        for member in sorted(shp.iterdir()):
            zf.write(member, member.name)


@pytest.fixture(scope="module")
def fixture_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = tmp_path_factory.mktemp("infra") / "raw"
    shutil.copytree(FIXTURES / "raw", raw)
    write_ne_zip(raw)
    return raw


@pytest.fixture(scope="module")
def infra(fixture_raw: Path) -> Infrastructure:
    return build_infrastructure(fixture_raw, small_matcher())


def value(obs: pd.DataFrame, iso3: str, indicator: str) -> tuple[float, int, str]:
    row = obs[(obs["iso3"] == iso3) & (obs["indicator"] == indicator)]
    assert len(row) == 1, (iso3, indicator)
    r = row.iloc[0]
    return float(r["value"]), int(r["year"]), str(r["source"])


# -------------------------------------------------------------- cloud regions


def test_cloud_regions_rows(infra: Infrastructure) -> None:
    cloud = infra.cloud_regions
    assert list(cloud.columns) == CLOUD_COLUMNS
    got = sorted(
        cloud[["provider", "iso3", "city", "status", "source"]].itertuples(index=False, name=None)
    )
    assert got == [
        ("AWS", "SGP", "Singapore", "in_service", "cloud_regions_cim"),
        ("AWS", "TWN", "Taipei", "announced", "cloud_regions_cim"),
        ("Alibaba", "CHN", "Beijing", "in_service", "cloud_regions_cim"),
        ("Alibaba", "HKG", "Hong Kong", "in_service", "cloud_regions_cim"),
        ("Alibaba", "SGP", "Singapore", "in_service", "cloud_regions_cim"),
        ("Azure", "HKG", "Hong Kong", "in_service", "cloud_regions_cim"),
        ("Google", "TWN", "Taichung", "in_service", "cloud_regions_cim"),
        ("Linode", "GBR", "London", "in_service", "cloud_regions_dgl"),
        ("Linode", "SGP", "Singapore", "in_service", "cloud_regions_dgl"),
        ("Tencent", "CHN", "Beijing", "in_service", "cloud_regions_cim"),
        ("Vultr", "KOR", "Seoul", "in_service", "cloud_regions_dgl"),
    ]
    origins = dict(zip(cloud["provider"], cloud["provider_origin"], strict=True))
    assert origins == {
        "AWS": "US",
        "Alibaba": "China",
        "Azure": "US",
        "Google": "US",
        "Linode": "US",
        "Tencent": "China",
        "Vultr": "US",
    }
    beijing = cloud[(cloud["provider"] == "Alibaba") & (cloud["iso3"] == "CHN")].iloc[0]
    assert (beijing["lat"], beijing["zones"], beijing["region_code"]) == (39.9, 5, "cn-beijing")
    taipei = cloud[cloud["city"] == "Taipei"].iloc[0]
    assert pd.isna(taipei["region_code"])
    assert cloud.loc[cloud["source"] == "cloud_regions_dgl", "zones"].isna().all()


def test_unknown_provider_raises() -> None:
    data = {
        "cloud_regions": [
            {
                "metro_area": "X",
                "country": "Singapore",
                "latitude": "1",
                "longitude": "2",
                "cloud_service_providers": [{"name": "Acme Cloud", "in_service": True}],
            }
        ]
    }
    with pytest.raises(IngestError, match="Acme Cloud"):
        parse_cim(data, small_matcher())


# ------------------------------------------------------------- landing points


def test_landing_points_countries(infra: Infrastructure) -> None:
    lp = infra.landing_points
    assert list(lp.columns) == LANDING_COLUMNS
    got = {i: None if pd.isna(v) else v for i, v in zip(lp["id"], lp["iso3"], strict=True)}
    assert got == {
        "atlantis-nowhere": None,
        "cape-daguilar-china": "HKG",  # offshore, nearest to the Hong Kong polygon
        "cape-town-south-africa": "ZAF",
        "chung-hom-kok-china": "HKG",
        "guningtou-taiwan": "TWN",
        "hermosa-beach-ca-united-states": "USA",
        "muanda-congo-dem-rep-": "COD",
        "pointe-noire-congo-rep-": "COG",
        "shantou-china": "CHN",
    }
    cities = dict(zip(lp["id"], lp["city"], strict=True))
    assert cities["muanda-congo-dem-rep-"] == "Muanda"
    assert cities["hermosa-beach-ca-united-states"] == "Hermosa Beach"
    assert lp["id"].tolist() == sorted(lp["id"])


def test_unmatched_landing_names_are_reported(infra: Infrastructure) -> None:
    reports = {h.source: h for h in infra.harmonised}
    assert set(reports) == set(SOURCES) & {
        "cloud_regions_cim",
        "cloud_regions_dgl",
        "telegeography_cables_v3_copy",
    }
    assert reports["telegeography_cables_v3_copy"].unmatched == ["Nowhere Land"]
    assert reports["cloud_regions_cim"].unmatched == []
    assert reports["cloud_regions_dgl"].iso3 == {"GB": "GBR", "KR": "KOR", "SG": "SGP"}


# --------------------------------------------------------------------- cables


def test_cables_layer(infra: Infrastructure) -> None:
    features = infra.cables["features"]
    assert [f["properties"]["id"] for f in features] == [
        "asia-test",
        "cape-town-test",
        "west-africa-test",
    ]
    asia = features[0]
    assert asia["properties"] == {
        "id": "asia-test",
        "name": "Asia Test",
        "color": "#00aa00",
        "owners": "China Telecom, Chunghwa Telecom, PCCW",
        "rfs": "2019 Q4",
    }
    assert asia["geometry"]["type"] == "MultiLineString"
    assert len(asia["geometry"]["coordinates"]) == 2
    assert asia["geometry"]["coordinates"][1][-1] == [118.307, 24.476]
    west = features[2]["properties"]
    assert (west["owners"], west["rfs"]) == (None, None)  # empty owners, "n.a." date
    assert features[1]["properties"]["owners"] is None  # no 2021 file for this slug


# --------------------------------------------------------------- observations


@pytest.mark.parametrize(
    ("iso3", "indicator", "expected"),
    [
        ("SGP", "cloud.regions_us", (2.0, 2024, "cloud_regions_cim")),
        ("SGP", "cloud.regions_china", (1.0, 2024, "cloud_regions_cim")),
        ("HKG", "cloud.regions_us", (1.0, 2024, "cloud_regions_cim")),
        ("HKG", "cloud.regions_china", (1.0, 2024, "cloud_regions_cim")),
        ("CHN", "cloud.regions_china", (2.0, 2024, "cloud_regions_cim")),
        ("TWN", "cloud.regions_us", (1.0, 2024, "cloud_regions_cim")),  # AWS Taipei announced
        ("GBR", "cloud.regions_us", (1.0, 2022, "cloud_regions_dgl")),  # Linode only
        ("KOR", "cloud.regions_us", (1.0, 2022, "cloud_regions_dgl")),
        ("USA", "cloud.regions_us", (0.0, 2024, "cloud_regions_cim")),
        ("SGP", "cloud.regions_other", (0.0, 2024, "cloud_regions_cim")),
        ("HKG", "cables.landing_points", (2.0, 2025, "telegeography_cables_v3_copy")),
        ("CHN", "cables.landing_points", (1.0, 2025, "telegeography_cables_v3_copy")),
        ("ZAF", "cables.landing_points", (0.0, 2025, "telegeography_cables_v3_copy")),
        ("COD", "cables.cables", (1.0, 2025, "telegeography_cables_v3_copy")),
        ("HKG", "cables.cables", (1.0, 2025, "telegeography_cables_v3_copy")),
        ("TWN", "cables.cables", (1.0, 2025, "telegeography_cables_v3_copy")),
        ("ZAF", "cables.cables", (0.0, 2025, "telegeography_cables_v3_copy")),
        ("MAC", "cables.cables", (0.0, 2025, "telegeography_cables_v3_copy")),
    ],
)
def test_observations(
    infra: Infrastructure, iso3: str, indicator: str, expected: tuple[float, int, str]
) -> None:
    assert value(infra.observations, iso3, indicator) == expected


def test_observations_cover_every_country(infra: Infrastructure) -> None:
    obs = infra.observations
    assert list(obs.columns) == ["iso3", "indicator", "year", "value", "source"]
    counts = obs.groupby("indicator")["iso3"].nunique().to_dict()
    assert counts == dict.fromkeys(
        [
            "cables.cables",
            "cables.landing_points",
            "cloud.regions_china",
            "cloud.regions_other",
            "cloud.regions_us",
        ],
        len(KNOWN),
    )


def test_catalogue(infra: Infrastructure) -> None:
    cat = infra.catalogue
    assert list(cat.columns) == CATALOGUE_COLUMNS
    assert set(cat["code"]) == set(infra.observations["indicator"])
    assert cat["name_zh"].str.len().gt(0).all()
    lp = cat.set_index("code").loc["cables.landing_points"]
    assert lp["licence"] == SOURCES["telegeography_cables_v3_copy"].licence
    assert cat.set_index("code").loc["cloud.regions_china", "higher_is"] == "worse"


def test_build_is_deterministic(fixture_raw: Path, infra: Infrastructure) -> None:
    again = build_infrastructure(fixture_raw, small_matcher())
    assert dumps_cables(again.cables) == dumps_cables(infra.cables)
    pd.testing.assert_frame_equal(again.observations, infra.observations)
    pd.testing.assert_frame_equal(again.cloud_regions, infra.cloud_regions)


# ------------------------------------------------------------------ real data


@pytest.fixture(scope="module")
def matcher(shared_data: Path) -> CountryMatcher:
    tables = build_country_tables(shared_data / "raw", shared_data / "curated")
    return CountryMatcher(tables.names, tables.countries["iso3"])


@pytest.fixture(scope="module")
def real(shared_data: Path, matcher: CountryMatcher) -> Infrastructure:
    return build_infrastructure(shared_data / "raw", matcher)


def test_real_cloud_regions(real: Infrastructure) -> None:
    cloud = real.cloud_regions
    live = cloud[cloud["status"] == "in_service"]
    assert live.loc[live["provider"] == "Alibaba", "iso3"].nunique() >= 10
    assert live.loc[live["provider"] == "Huawei", "iso3"].nunique() >= 10
    assert set(cloud["provider"]) == {
        "AWS", "Azure", "Google", "Oracle", "IBM",
        "Alibaba", "Huawei", "Tencent", "Linode", "Vultr",
    }  # fmt: skip
    assert {"HKG", "TWN", "SGP"} <= set(live["iso3"])
    hk = cloud[cloud["city"] == "Hong Kong"]
    assert not hk.empty and set(hk["iso3"]) == {"HKG"}
    assert set(cloud.loc[cloud["provider_origin"] == "China", "provider"]) == {
        "Alibaba",
        "Huawei",
        "Tencent",
    }
    for h in real.harmonised:
        assert h.unmatched == [], (h.source, h.unmatched)


def test_real_observations_plausible(real: Infrastructure, matcher: CountryMatcher) -> None:
    obs = real.observations
    wide = obs.pivot(index="iso3", columns="indicator", values="value")
    assert set(wide.index) == set(matcher.known)
    assert wide.loc["USA", "cloud.regions_us"] >= 30
    assert wide.loc["CHN", "cloud.regions_china"] >= 10
    assert (wide["cloud.regions_china"] > 0).sum() >= 15
    assert wide["cloud.regions_us"].idxmax() == "USA"
    assert wide.loc["HKG", "cables.landing_points"] >= 4
    assert wide.loc["TWN", "cables.landing_points"] >= 15
    assert wide.loc["SGP", "cables.cables"] >= 20
    assert wide.loc["CHE", "cables.landing_points"] == 0
    assert (wide["cables.cables"] <= wide["cables.cables"].max()).all()
    assert obs["value"].ge(0).all()


def test_real_landing_points(real: Infrastructure) -> None:
    lp = real.landing_points
    assert lp["iso3"].notna().all()
    assert lp["id"].is_unique
    assert (lp["iso3"] == "HKG").sum() >= 4
    assert (lp["iso3"] == "COD").sum() >= 1 and (lp["iso3"] == "COG").sum() >= 1
    kinmen_matsu = lp[lp["name"].str.contains("Guningtou|Nangan|Beigan|Jincheng")]
    assert set(kinmen_matsu["iso3"]) == {"TWN"}


def test_real_cables(real: Infrastructure) -> None:
    text = dumps_cables(real.cables)
    assert len(text.encode("utf-8")) <= MAX_CABLE_BYTES
    features: list[dict[str, Any]] = real.cables["features"]
    ids = [f["properties"]["id"] for f in features]
    assert ids == sorted(set(ids)) and len(ids) > 600
    with_owners = sum(f["properties"]["owners"] is not None for f in features)
    assert with_owners > 300
