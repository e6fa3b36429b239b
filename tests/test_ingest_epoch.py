"""Epoch AI GPU clusters: tiny hand-made CSVs with exact sums, then the committed datasets/."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pycountry
import pytest

from risk.errors import IngestError
from risk.harmonise import CountryMatcher
from risk.ingest.obs_epoch import (
    CLUSTER_COLUMNS,
    COLUMNS,
    FILE,
    INDICATORS,
    SOURCE,
    YEAR,
    read_clusters,
    read_epoch,
)
from risk.ingest.sources import SOURCES

USA = "United States of America"
KOR = "Korea (Republic of)"
GBR = "United Kingdom of Great Britain and Northern Ireland"
PHL = "Philippines (the)"

# (name, country, status, certainty, h100e, power, supplier, owner, extra columns)
ROWS: list[tuple[str, str, str, str, str, str, str, str, dict[str, str]]] = [
    ("A", USA, "Existing", "Confirmed", "100", "", "NVIDIA", "", {}),
    ("B", USA, "Existing", "Likely", "50", "", "Anonymized", "Meta", {}),
    ("C", USA, "Planned", "Confirmed", "1000", "10", "Unknown", "Foo Corp", {}),
    ("D", USA, "Planned", "Likely", "500", "5", "NVIDIA", "", {}),
    ("E", USA, "Planned", "Unlikely", "200", "2", "Huawei", "", {}),
    ("F", USA, "Planned", "", "100", "1", "AMD", "", {}),
    ("G", USA, "Decommissioned", "Confirmed", "9999", "99", "NVIDIA", "", {}),
    ("Big plan", "", "Planned", "Confirmed", "1000000", "1000", "NVIDIA", "xAI", {}),
    ("Korea old", KOR, "Existing", "Confirmed", "10", "", "Anonymized", "Samsung", {}),
    ("Campus Phase 1", KOR, "Planned", "Confirmed", "100", "1", "NVIDIA", "", {}),
    (
        "Campus Phase 2",
        KOR,
        "Planned",
        "Likely",
        "300",
        "2",
        "Unknown",
        "",
        {"Builds Upon": "Campus Phase 1"},
    ),
    ("Korea mystery", KOR, "Planned", "Confirmed", "70", "", "Unknown", "", {}),
    ("Manila", PHL, "Existing", "Confirmed", "", "", "Unknown", "", {}),
    ("Phase 1", GBR, "Existing", "Confirmed", "40", "", "NVIDIA", "", {"Superseded by": "Phase 2"}),
    ("Phase 2", GBR, "Existing", "Confirmed", "60", "", "NVIDIA", "", {}),
    ("Paper", GBR, "Existing", "Confirmed", "30", "", "NVIDIA", "", {"Possible Duplicate": "True"}),
    ("Tokyo A", "Japan", "Existing", "Confirmed", "30", "", "PEZY", "", {}),
    ("Tokyo B", "Japan", "Existing", "Likely", "10", "", "NVIDIA", "", {}),
]


def frame(
    rows: list[tuple[str, str, str, str, str, str, str, str, dict[str, str]]],
) -> pd.DataFrame:
    """Rows in Epoch's column layout (every other column blank), plus one column Epoch has that
    the reader ignores."""
    records = []
    for name, country, status, certainty, h100e, power, supplier, owner, extra in rows:
        record = dict.fromkeys([*COLUMNS, "Include in Standard Analysis"], "")
        record.update(
            {
                "Name": name,
                "Country": country,
                "Status": status,
                "Certainty": certainty,
                "H100 equivalents": h100e,
                "Power Capacity (MW)": power,
                "GPU Supplier (primary)": supplier,
                "Owner": owner,
                "Source 1": f"https://example.org/{name.replace(' ', '-')}",
            }
        )
        record.update(extra)
        records.append(record)
    return pd.DataFrame(records)


def write(root: Path, df: pd.DataFrame) -> Path:
    path = root / SOURCE / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False)
    return root


@pytest.fixture(scope="module")
def matcher() -> CountryMatcher:
    """ISO 3166-1 names from pycountry (plus the alias file), without the raw folder."""
    rows = []
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            if getattr(c, attr, None):
                rows.append((c.alpha_3, getattr(c, attr)))
    names = pd.DataFrame(rows, columns=["iso3", "name"])
    return CountryMatcher(names, names["iso3"].unique())


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("raw"), frame(ROWS))


def values(df: pd.DataFrame) -> dict[tuple[str, str], float]:
    return {(r.iso3, r.indicator): round(float(r.value), 9) for r in df.itertuples(index=False)}


def test_exact_sums(tiny: Path, matcher: CountryMatcher) -> None:
    res = read_epoch(tiny, matcher)
    assert set(res.observations["year"]) == {YEAR}
    assert set(res.observations["source"]) == {SOURCE}
    # Planned: C 1000x1 + D 500x0.6 + E 200x0.2 + F (no certainty) 100x0.2; G decommissioned.
    # US-linked planned: D (NVIDIA) 300 + F (AMD) 20 of 1360. C has unknown chips, E Huawei.
    # KOR planned: 100 + Phase 2 300x0.6 (NVIDIA inherited from Phase 1) + 70 unknown.
    # GBR: Phase 1 is superseded by Phase 2 and "Paper" is a possible duplicate.
    # JPN has nothing planned, so its share is over existing compute: 10 NVIDIA of 40.
    assert values(res.observations) == {
        ("USA", "epoch.h100e_existing"): 150.0,
        ("USA", "epoch.h100e_planned"): 1360.0,
        ("USA", "epoch.power_planned_mw"): 13.6,
        ("USA", "epoch.clusters"): 6.0,
        ("USA", "epoch.us_share"): round(100 * 320 / 1360, 9),
        ("KOR", "epoch.h100e_existing"): 10.0,
        ("KOR", "epoch.h100e_planned"): 350.0,
        ("KOR", "epoch.power_planned_mw"): 2.2,
        ("KOR", "epoch.clusters"): 4.0,
        ("KOR", "epoch.us_share"): 80.0,
        ("GBR", "epoch.h100e_existing"): 60.0,
        ("GBR", "epoch.h100e_planned"): 0.0,
        ("GBR", "epoch.power_planned_mw"): 0.0,
        ("GBR", "epoch.clusters"): 1.0,
        ("GBR", "epoch.us_share"): 100.0,
        # A cluster without a compute estimate is counted, but gives no share.
        ("PHL", "epoch.h100e_existing"): 0.0,
        ("PHL", "epoch.h100e_planned"): 0.0,
        ("PHL", "epoch.power_planned_mw"): 0.0,
        ("PHL", "epoch.clusters"): 1.0,
        ("JPN", "epoch.h100e_existing"): 40.0,
        ("JPN", "epoch.h100e_planned"): 0.0,
        ("JPN", "epoch.power_planned_mw"): 0.0,
        ("JPN", "epoch.clusters"): 2.0,
        ("JPN", "epoch.us_share"): 25.0,
    }
    assert res.harmonised.aggregates == ["Big plan (no country)"]
    assert res.harmonised.unmatched == []
    assert res.harmonised.iso3[KOR] == "KOR" and res.harmonised.iso3[PHL] == "PHL"


def test_catalogue(tiny: Path, matcher: CountryMatcher) -> None:
    cat = pd.DataFrame(read_epoch(tiny, matcher).catalogue)
    assert tuple(cat["code"]) == INDICATORS
    assert (cat["licence"] == "CC BY 4.0").all()
    assert cat["name_zh"].str.contains(r"[\u4e00-\u9fff]").all()
    assert dict(zip(cat["code"], cat["unit"], strict=True))["epoch.us_share"] == "%"


def test_clusters_table(tiny: Path, matcher: CountryMatcher) -> None:
    clusters, _ = read_clusters(tiny, matcher)
    assert list(clusters.columns) == CLUSTER_COLUMNS
    assert "G" not in set(clusters["name"])  # decommissioned
    assert "Big plan" not in set(clusters["name"])  # no country
    # Kept for reference but not counted: the superseded phase and the possible duplicate.
    assert set(clusters.loc[~clusters["counted"], "name"]) == {"Phase 1", "Paper"}
    usa = clusters[clusters["iso3"] == "USA"]
    assert list(usa["name"]) == ["A", "B", "C", "D", "E", "F"]  # existing first, then by size
    assert clusters["iso3"].is_monotonic_increasing
    assert dict(zip(usa["name"], usa["weight"], strict=True)) == {
        "A": 1.0,
        "B": 1.0,
        "C": 1.0,
        "D": 0.6,
        "E": 0.2,
        "F": 0.2,
    }
    linked = dict(zip(clusters["name"], clusters["us_linked"], strict=True))
    assert (linked["B"], linked["C"], linked["E"], linked["Campus Phase 2"]) == (
        True,
        False,
        False,
        True,
    )
    assert clusters.loc[clusters["name"] == "A", "source_link"].item() == "https://example.org/A"


@pytest.mark.parametrize(
    ("column", "value"),
    [("Certainty", "Maybe"), ("Status", "Rumoured"), ("GPU Supplier (primary)", "Acme")],
)
def test_unknown_categories_raise(
    tmp_path: Path, matcher: CountryMatcher, column: str, value: str
) -> None:
    df = frame(ROWS[:1])
    df[column] = value
    with pytest.raises(IngestError, match="unknown"):
        read_epoch(write(tmp_path, df), matcher)


def test_missing_column_raises(tmp_path: Path, matcher: CountryMatcher) -> None:
    with pytest.raises(IngestError, match="missing columns"):
        read_epoch(write(tmp_path, frame(ROWS[:1]).drop(columns="Certainty")), matcher)


# --- the committed datasets/ ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(datasets_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    obs = pd.read_parquet(datasets_dir / "observations.parquet")
    return (
        pd.read_parquet(datasets_dir / "ai_clusters.parquet"),
        obs[obs["source"] == SOURCE],
        pd.read_parquet(datasets_dir / "indicators.parquet"),
    )


# Epoch's headline sums of H100 equivalents (PROVENANCE.md), all non-decommissioned rows,
# unweighted: (existing, planned).
HEADLINE = {
    "USA": (1390e3, 38.3e6),
    "CHN": (231e3, 168e3),
    "ARE": (1.7e3, 22.9e6),
    "SAU": (8.4e3, 7.2e6),
    "KOR": (6.6e3, 5.3e6),
    "FRA": (18e3, 2.4e6),
    "IND": (5.4e3, 1.17e6),
    "JPN": (19e3, 32e3),
    "MYS": (0.0, 39e3),
}


@pytest.mark.parametrize("iso3", sorted(HEADLINE))
def test_unweighted_sums_match_headline(
    built: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame], iso3: str
) -> None:
    clusters = built[0]
    rows = clusters[clusters["iso3"] == iso3]
    for status, expected in zip(("Existing", "Planned"), HEADLINE[iso3], strict=True):
        got = rows.loc[rows["status"] == status, "h100e"].sum()
        # The headline figures have two or three significant digits.
        assert got == pytest.approx(expected, rel=0.03, abs=100), (iso3, status, got)


def test_built_observations(built: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> None:
    clusters, obs, cat = built
    assert set(obs["indicator"]) == set(INDICATORS)
    assert set(obs["year"]) == {YEAR}
    assert obs.loc[obs["indicator"] == "epoch.clusters", "iso3"].nunique() == 37
    top = (
        obs[obs["indicator"] == "epoch.h100e_planned"]
        .sort_values("value", ascending=False)["iso3"]
        .head(4)
        .tolist()
    )
    # The Gulf gigawatt campuses put the UAE and Saudi Arabia right behind the US.
    assert top == ["USA", "ARE", "SAU", "KOR"]
    existing = obs[obs["indicator"] == "epoch.h100e_existing"].set_index("iso3")["value"]
    assert existing.nlargest(2).index.tolist() == ["USA", "CHN"]
    # Each observation is the sum of the counted rows of the clusters table.
    counted = clusters[clusters["counted"] & clusters["status"].eq("Existing")]
    assert existing.to_dict() == pytest.approx(
        counted.groupby("iso3")["h100e"].sum().reindex(existing.index, fill_value=0.0).to_dict()
    )
    share = obs[obs["indicator"] == "epoch.us_share"].set_index("iso3")["value"]
    assert share.between(0, 100).all()
    assert share["CHN"] == 0.0 and share["ARE"] == 100.0
    epoch_cat = cat[cat["source"] == SOURCE]
    assert set(epoch_cat["code"]) == set(INDICATORS)
    assert (epoch_cat["licence"] == "CC BY 4.0").all()
    assert epoch_cat["open_licence"].all()


def test_built_clusters_table(
    built: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame], datasets_dir: Path
) -> None:
    clusters = built[0]
    assert list(clusters.columns) == CLUSTER_COLUMNS
    assert set(clusters["status"]) == {"Existing", "Planned"}
    assert clusters["iso3"].notna().all() and clusters["iso3"].is_monotonic_increasing
    assert len(clusters) == 786 - 6 - 85  # minus decommissioned and rows without a country
    manifest = json.loads((datasets_dir / "manifest.json").read_text(encoding="utf-8"))
    meta = manifest["tables"]["ai_clusters.parquet"]
    assert meta["rows"] == len(clusters)
    assert [s["id"] for s in meta["sources"]] == [SOURCE]
    assert meta["sources"][0]["commit"] == "a64f15ae5aeaad54cb242e17952fbcfedface04d"
    sources_md = (datasets_dir / "SOURCES.md").read_text(encoding="utf-8")
    assert SOURCES[SOURCE].attribution in sources_md
    assert "`epoch_gpu_clusters`" in sources_md
