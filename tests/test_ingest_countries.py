"""The countries step: hand-made fixtures with exact expectations, then invariants on the real tables."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from risk.errors import IngestError
from risk.ingest.countries import build_country_tables

CODES = [
    # iso3, iso2, independent, region, subregion, unterm zh
    ("TWN", "TW", "Yes", "Asia", "Eastern Asia", ""),
    ("CHN", "CN", "Yes", "Asia", "Eastern Asia", "中国"),
    ("KOR", "KR", "Yes", "Asia", "Eastern Asia", "大韩民国"),
    ("ITA", "IT", "Yes", "Europe", "Southern Europe", "意大利"),
    ("SAU", "SA", "Yes", "Asia", "Western Asia", "沙特阿拉伯"),
    ("KHM", "KH", "Yes", "Asia", "South-eastern Asia", "柬埔寨"),
    ("HKG", "HK", "Part of CN", "Asia", "Eastern Asia", ""),
    ("NAM", "NA", "Yes", "Africa", "Sub-Saharan Africa", "纳米比亚"),
]


def _write_fixture(root: Path) -> tuple[Path, Path]:
    raw, curated = root / "raw", root / "curated"
    (raw / "country_codes").mkdir(parents=True)
    cc = pd.DataFrame(
        [
            {
                "ISO3166-1-Alpha-3": iso3,
                "ISO3166-1-Alpha-2": iso2,
                "is_independent": ind,
                "Region Name": reg,
                "Sub-region Name": sub,
                "UNTERM Chinese Short": zh,
                "official_name_cn": zh,
                "official_name_en": iso3,
                "UNTERM English Short": "",
                "UNTERM English Formal": "",
                "CLDR display name": "",
                "UNTERM Chinese Formal": "",
            }
            for iso3, iso2, ind, reg, sub, zh in CODES
        ]
    )
    cc.to_csv(raw / "country_codes" / "country-codes.csv", index=False)
    (raw / "wb_income_class").mkdir()
    pd.DataFrame(
        {
            "Economy": [
                "Taiwan, China",
                "China",
                "Korea, Rep.",
                "Italy",
                "Saudi Arabia",
                "Cambodia",
                "Namibia",
                "World",
            ],
            "Code": ["TWN", "CHN", "KOR", "ITA", "SAU", "KHM", "NAM", "WLD"],
            "Region": ["East Asia & Pacific"] * 3
            + [
                "Europe & Central Asia",
                "Middle East & North Africa",
                "East Asia & Pacific",
                "Sub-Saharan Africa",
                None,
            ],
            "Income group": [
                "High income",
                "Upper middle income",
                "High income",
                "High income",
                "High income",
                "Lower middle income",
                "Upper middle income",
                None,
            ],
            "Lending category": [None, "IBRD", None, None, None, "IDA", "IBRD", None],
        }
    ).to_excel(raw / "wb_income_class" / "CLASS.xlsx", sheet_name="List of economies", index=False)
    ne_dir = root / "ne"
    ne_dir.mkdir()
    gdf = gpd.GeoDataFrame(
        {
            "ADM0_A3": ["TWN", "CHN", "KOR", "ITA", "SAU", "KHM", "HKG", "NAM"],
            "ISO_A3_EH": ["TWN", "CHN", "KOR", "ITA", "SAU", "KHM", "HKG", "NAM"],
            "TYPE": ["Sovereign country"] * 8,
            "LABEL_X": [121.0, 104.0, 127.8, 12.5, 45.0, 105.0, 114.1, 17.0],
            "LABEL_Y": [23.7, 35.0, 36.5, 42.8, 24.0, 12.5, 22.3, -22.0],
            "POP_EST": [23e6, 1.4e9, 51e6, 60e6, 35e6, 16e6, 7e6, 2.5e6],
        },
        geometry=[Point(0, 0)] * 8,
        crs="EPSG:4326",
    )
    gdf.to_file(ne_dir / "ne_50m_admin_0_countries.shp")
    (raw / "natural_earth").mkdir()
    with zipfile.ZipFile(raw / "natural_earth" / "ne_50m_admin_0_countries.zip", "w") as zf:
        for f in ne_dir.iterdir():
            zf.write(f, f.name)
    curated.mkdir()
    src = "test fixture"
    pd.DataFrame(
        [
            ("CHN", "China", "D:1", "", "", src, ""),
            ("CHN", "China", "D:5", "", "", src, ""),
            ("HKG", "Hong Kong", "D:5", "2020-12-23", "", src, "DERIVED: takes China's treatment"),
            ("KHM", "Cambodia", "D:5", "2021-12-09", "2026-02-03", src, "removed"),
            ("KHM", "Cambodia", "D:1", "", "", src, ""),
            ("SAU", "Saudi Arabia", "D:3", "", "", src, "CONFLICT: sources disagree"),
        ],
        columns=["iso3", "name", "group", "effective_from", "effective_to", "source", "notes"],
    ).to_csv(curated / "us_export_control_groups.csv", index=False)
    pd.DataFrame(
        [
            ("TWN", "Taiwan", "1", "2025-01-13", "2025-05-13", src, ""),
            ("CHN", "China", "3", "2025-01-13", "2025-05-13", src, ""),
        ],
        columns=["iso3", "name", "tier", "effective_from", "effective_to", "source", "notes"],
    ).to_csv(curated / "ai_diffusion_tiers.csv", index=False)
    pd.DataFrame(
        [
            ("ITA", "Italy", "BRI", "2019-03-01", src, "MoU. EXITED on 2023-12-06."),
            ("KHM", "Cambodia", "BRI", "2013-10-01", src, "MoU."),
            ("SAU", "Saudi Arabia", "BRICS", "", src, "DISPUTED: not formalised"),
            ("ITA", "Italy", "NATO", "1949", src, ""),
            ("KOR", "South Korea", "US_MNNA", "1996-07-21", src, ""),
        ],
        columns=["iso3", "name", "bloc", "joined", "source", "notes"],
    ).to_csv(curated / "blocs.csv", index=False)
    pd.DataFrame(
        [("KHM", "Cambodia", "new_southbound_policy", "2016-09-05", src, "")],
        columns=["iso3", "name", "relation", "as_of", "source", "notes"],
    ).to_csv(curated / "taiwan_relations.csv", index=False)
    pd.DataFrame(
        [("2025-07-23", "AI Action Plan", src, "")], columns=["date", "event", "source", "notes"]
    ).to_csv(curated / "ai_action_plan_timeline.csv", index=False)
    return raw, curated


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory):
    raw, curated = _write_fixture(tmp_path_factory.mktemp("countries"))
    return build_country_tables(raw, curated, min_sovereign=5)


def test_short_names_and_keys(tables) -> None:
    c = tables.countries.set_index("iso3")
    assert list(c.index) == sorted(c.index)
    assert c.loc["TWN", "name_zh_tw"] == "台灣"
    assert c.loc["CHN", "name_zh_tw"] == "中國"
    assert c.loc["KOR", "name_zh_tw"] == "南韓"
    assert c.loc["KOR", "name_en"] == "South Korea"
    assert c.loc["NAM", "iso2"] == "NA"  # not read as a missing value
    assert "XKX" in c.index and bool(c.loc["XKX", "sovereign"])
    assert not c.loc["HKG", "sovereign"]
    assert c.loc["TWN", "home"] and not c.loc["CHN", "home"]


def test_income_and_label_points(tables) -> None:
    c = tables.countries.set_index("iso3")
    assert c.loc["KHM", "income_group"] == "Lower middle income"
    assert c.loc["TWN", "income_group"] == "High income"
    assert (c.loc["TWN", "lon"], c.loc["TWN", "lat"]) == (121.0, 23.7)


def test_flags_respect_dates_and_disputes(tables) -> None:
    c = tables.countries.set_index("iso3")
    assert c.loc["CHN", "export_control_groups"] == "D:1;D:5"
    assert c.loc["KHM", "export_control_groups"] == "D:1"  # D:5 ended 2026-02-03
    assert not c.loc["ITA", "bloc_bri"]  # exited
    assert c.loc["KHM", "bloc_bri"]
    assert not c.loc["SAU", "bloc_brics"]  # disputed
    assert c.loc["ITA", "bloc_nato"] and c.loc["KOR", "bloc_us_mnna"]
    assert c.loc["KHM", "new_southbound_policy"]
    assert c.loc["CHN", "ai_diffusion_tier"] == "3"
    ec = tables.export_controls.set_index(["iso3", "group_code"])
    assert ec.loc[("HKG", "D:5"), "status"] == "DERIVED"
    assert ec.loc[("SAU", "D:3"), "status"] == "CONFLICT"


def test_names_cover_both_scripts(tables) -> None:
    names = tables.names
    kor = set(names.loc[names["iso3"] == "KOR", "name"])
    assert {"South Korea", "南韓", "大韩民国", "KR"} <= kor


def test_too_few_sovereigns_fails(tmp_path: Path) -> None:
    raw, curated = _write_fixture(tmp_path)
    with pytest.raises(IngestError, match="sovereign"):
        build_country_tables(raw, curated)


def test_unknown_iso3_in_curated_fails(tmp_path: Path) -> None:
    raw, curated = _write_fixture(tmp_path)
    with open(curated / "blocs.csv", "a", encoding="utf-8") as fh:
        fh.write("ZZZ,Nowhere,NATO,,x,\n")
    with pytest.raises(IngestError, match="not in the countries table"):
        build_country_tables(raw, curated, min_sovereign=5)
