"""Observation readers on tiny hand-made fixtures (exact outputs), then one pass over the real folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pycountry
import pytest

from risk.errors import IngestError
from risk.harmonise import CountryMatcher
from risk.ingest.obs_cgit import read_cgit
from risk.ingest.obs_common import parse_numbers
from risk.ingest.obs_energy import read_ember, read_gppd, read_owid
from risk.ingest.obs_indices import read_egov, read_oxford
from risk.ingest.obs_ratings import notch, read_ratings
from risk.ingest.obs_unga import read_unga
from risk.ingest.obs_worldbank import read_wdi, read_wgi
from risk.ingest.observations import READERS, ObservationsResult, build_observations
from risk.ingest.sources import SOURCES
from risk.paths import default_shared_data
from tests.test_ingest_epoch import ROWS as EPOCH_ROWS
from tests.test_ingest_epoch import frame
from tests.test_ingest_epoch import write as write_epoch

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "observations"
# Committed under a neutral name; the reader expects the source's own file name.
RATINGS_ROWS = ("sovereign_ratings/ratings_rows.csv", "sovereign_ratings/countriesratings.csv")


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A raw-source tree of hand-made rows: the text fixtures, plus Excel/Stata files written now."""
    from tests.fixtures.observations.make_binary_fixtures import write_all

    root = tmp_path_factory.mktemp("raw") / "observations"
    shutil.copytree(FIXTURES, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (root / RATINGS_ROWS[0]).rename(root / RATINGS_ROWS[1])
    write_all(root)
    write_epoch(root, frame(EPOCH_ROWS))
    return root


@pytest.fixture(scope="module")
def matcher() -> CountryMatcher:
    """A matcher over every ISO 3166-1 country plus Kosovo, without the raw folder."""
    rows = [("XKX", "Kosovo")]
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            if getattr(c, attr, None):
                rows.append((c.alpha_3, getattr(c, attr)))
    names = pd.DataFrame(rows, columns=["iso3", "name"])
    return CountryMatcher(names, names["iso3"].unique())


def rows(df: pd.DataFrame, indicator: str | None = None) -> list[tuple[str, str, int, float]]:
    """Observations as sorted plain tuples, optionally for one indicator."""
    if indicator:
        df = df[df["indicator"] == indicator]
    return sorted(
        (r.iso3, r.indicator, int(r.year), round(float(r.value), 6))
        for r in df.itertuples(index=False)
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            ["1.5", "12%", " 3,400 ", "..", "", "n/a", "-2e3"],
            [1.5, 12, 3400, None, None, None, -2000],
        ),
        ([1, None, 2.5], [1, None, 2.5]),
        (["…", "NA", "−4"], [None, None, -4]),
    ],
)
def test_parse_numbers(raw: list[object], expected: list[float | None]) -> None:
    got = parse_numbers(pd.Series(raw, dtype=object), "test")
    assert [None if pd.isna(v) else v for v in got] == expected


def test_parse_numbers_rejects_text() -> None:
    with pytest.raises(IngestError, match="neither numbers nor missing markers"):
        parse_numbers(pd.Series(["12", "twelve"]), "test")


def test_wdi(matcher: CountryMatcher, raw: Path) -> None:
    res = read_wdi(raw, matcher)
    assert rows(res.observations) == [
        ("USA", "wdi.it.net.secr.p6", 2023, 1234.5),
        ("USA", "wdi.ny.gdp.mktp.cd", 2022, 100.0),
        ("USA", "wdi.ny.gdp.mktp.cd", 2023, 110.0),
        ("XKX", "wdi.ny.gdp.mktp.cd", 2023, 9.0),
        ("ZAF", "wdi.ny.gdp.mktp.cd", 2023, 40.0),  # a name that looks like a region
    ]
    assert set(res.observations["source"]) == {"wdi"}
    assert sorted(res.harmonised.aggregates) == ["High income [HIC]", "World [WLD]"]
    assert res.harmonised.unmatched == ["Channel Islands [CHI]"]
    cat = {c["code"]: c for c in res.catalogue}
    assert cat["wdi.ny.gdp.mktp.cd"]["name_en"] == "GDP (current US$)"
    assert cat["wdi.ny.gdp.mktp.cd"]["name_zh"] == "國內生產毛額（現價美元）"
    assert cat["wdi.ny.gdp.mktp.cd"]["unit"] == "current US$"
    assert cat["wdi.it.net.secr.p6"]["unit"] == "per 1 million people"
    assert cat["wdi.ny.gdp.mktp.cd"]["licence"] == SOURCES["wdi"].licence


def test_wgi_maps_old_codes_and_drops_ant(matcher: CountryMatcher, raw: Path) -> None:
    res = read_wgi(raw, matcher)
    assert rows(res.observations) == [
        ("ROU", "wgi.ge", 2023, 0.5),
        ("TWN", "wgi.ge", 2023, 1.25),
        ("USA", "wgi.va", 2023, 1.0),
        ("XKX", "wgi.ge", 2022, -0.25),
    ]
    assert res.harmonised.unmatched == ["Netherlands Antilles (former) [ANT]"]
    assert res.harmonised.how["Romania [ROM]"] == "alias"
    # Catalogue rows only for the indicators the file holds.
    assert [c["code"] for c in res.catalogue] == ["wgi.va", "wgi.ge"]


def test_oxford_block_quirk(matcher: CountryMatcher, raw: Path) -> None:
    res = read_oxford(raw, matcher)
    obs = res.observations
    # Myanmar (listed twice) and Ukraine (only in the top block) once each, 21 indicators each.
    assert obs.groupby("iso3").size().to_dict() == {"MMR": 21, "TWN": 21, "UKR": 21}
    assert set(obs["year"]) == {2025}
    assert rows(obs, "oxford.total") == [
        ("MMR", "oxford.total", 2025, 20.5),
        ("TWN", "oxford.total", 2025, 64.81),
        ("UKR", "oxford.total", 2025, 60.5),
    ]
    # Pillars start at the country's base (1, 2, 3); dimensions at base + 10.
    assert rows(obs, "oxford.ai_infrastructure")[2] == (
        "UKR",
        "oxford.ai_infrastructure",
        2025,
        3.0,
    )
    assert rows(obs, "oxford.dim.compute_capacity")[1] == (
        "TWN",
        "oxford.dim.compute_capacity",
        2025,
        15.0,
    )
    assert rows(obs, "oxford.dim.safety_and_security")[0][3] == 24.0
    codes = [c["code"] for c in res.catalogue]
    assert len(codes) == 21
    assert "oxford.dim.enabling_technical_infrastructure" in codes
    assert "oxford.development_diffusion" in codes


def test_egov_strips_names(matcher: CountryMatcher, raw: Path) -> None:
    res = read_egov(raw, matcher)
    assert rows(res.observations, "egov.egdi") == [
        ("GEO", "egov.egdi", 2024, 0.8),
        ("IRQ", "egov.egdi", 2024, 0.5),
        ("KOR", "egov.egdi", 2024, 0.95),
    ]
    assert len(res.observations) == 14  # Korea's EPI is "n/a"
    assert res.harmonised.unmatched == []


def test_unga_serbia_taiwan_and_duplicates(matcher: CountryMatcher, raw: Path) -> None:
    res = read_unga(raw, matcher)
    assert rows(res.observations, "unga.ideal_point") == [
        ("SRB", "unga.ideal_point", 2023, 0.35),  # native SRB wins over YUG in the same year
        ("SRB", "unga.ideal_point", 2024, 0.3),  # YUG from 1992 is Serbia
        ("USA", "unga.ideal_point", 2023, 2.0),
        ("USA", "unga.ideal_point", 2024, 2.2),
    ]
    assert rows(res.observations, "unga.us_agree") == [
        ("CHN", "unga.us_agree", 2022, 0.15),
        ("CHN", "unga.us_agree", 2023, 0.1),
        ("SRB", "unga.us_agree", 2023, 0.3),
        ("USA", "unga.us_agree", 2023, 1.0),
    ]
    assert rows(res.observations, "unga.china_agree") == [
        ("CHN", "unga.china_agree", 2023, 1.0),
        ("SRB", "unga.china_agree", 2023, 0.8),
        ("USA", "unga.china_agree", 2023, 0.2),
    ]
    assert "TWN" not in set(res.observations["iso3"])
    assert res.harmonised.unmatched == ["German Democratic Republic [DDR]"]


def test_ember(matcher: CountryMatcher, raw: Path) -> None:
    res = read_ember(raw, matcher)
    assert rows(res.observations) == [
        ("TWN", "ember.carbon_intensity", 2024, 600.0),
        ("TWN", "ember.demand_mwh_per_capita", 2024, 12.3),
        ("TWN", "ember.demand_twh", 2024, 288.0),
        ("XKX", "ember.demand_mwh_per_capita", 2023, 3.3),
        ("XKX", "ember.demand_twh", 2023, 6.0),
    ]
    assert res.harmonised.aggregates == ["World"]


def test_owid(matcher: CountryMatcher, raw: Path) -> None:
    res = read_owid(raw, matcher)
    assert rows(res.observations) == [
        ("FRA", "owid.internet_users", 2021, 85.0),
        ("FRO", "owid.internet_users", 2020, 97.0),  # real territory left without a code
        ("XKX", "owid.internet_users", 2020, 85.5),  # OWID_KOS and a percent string
    ]
    assert sorted(res.harmonised.aggregates) == ["High-income countries", "World [OWID_WRL]"]


def test_owid_duplicate_raises(matcher: CountryMatcher, raw: Path, tmp_path: Path) -> None:
    folder = tmp_path / "internet_users_owid"
    shutil.copytree(raw / "internet_users_owid", folder)
    path = folder / "share-of-individuals-using-the-internet.csv"
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("Kosovo;XKX;2020;86\n")  # the same country-year as OWID_KOS
    with pytest.raises(IngestError, match="share a key"):
        read_owid(tmp_path, matcher)


@pytest.mark.parametrize(
    ("agency", "rating", "expected"),
    [
        ("S&P", "AAA", 21),
        ("S&P", "AA+", 20),
        ("Fitch", "BBB-", 12),
        ("S&P", "BB+", 11),
        ("S&P", "CCC-", 3),
        ("S&P", "D", 1),
        ("S&P", "SD", 1),
        ("Moody's", "Aaa", 21),
        ("Moody's", "Aa1", 20),
        ("Moody's", "Baa3", 12),
        ("Moody's", "Ba1", 11),
        ("Moody's", "Caa1", 5),
        ("Moody's", "Ca", 2),
        ("Moody's", "C", 1),
        ("Moody's", "Aa", 19),
        ("Moody's", "A", 16),
        ("DBRS", "AA (high)", 20),
        ("DBRS", "BBB (low)", 12),
        ("DBRS", "CCC (high)", 5),
        ("DBRS", "A", 16),
        ("S&P", "Aa1", None),
        ("Moody's", "AA+", None),
        ("S&P", "AAA+", None),
        ("S&P", "Z", None),
    ],
)
def test_notch_scale(agency: str, rating: str, expected: int | None) -> None:
    assert notch(agency, rating) == expected


def test_ratings_year_end_median(matcher: CountryMatcher, raw: Path) -> None:
    res = read_ratings(raw, matcher)
    obs = res.observations
    notch_rows = {(r[0], r[2]): r[3] for r in rows(obs, "ratings.notch")}
    agencies = {(r[0], r[2]): r[3] for r in rows(obs, "ratings.agencies")}
    assert len(notch_rows) == len(agencies) == 29
    usa = {y: notch_rows[("USA", y)] for y in (2000, 2004, 2005, 2010, 2011, 2020, 2021, 2022)}
    assert usa == {
        2000: 21.0,  # S&P AAA from 1995, carried forward; no year before 2000
        2004: 21.0,
        2005: 21.0,  # + Moody's Aaa
        2010: 21.0,
        2011: 20.5,  # S&P cut to AA+
        2020: 20.5,
        2021: 20.0,  # + Fitch AA+
        2022: 20.0,
    }
    assert [agencies[("USA", y)] for y in (2000, 2005, 2021)] == [1.0, 2.0, 3.0]
    assert min(y for (c, y) in notch_rows if c == "USA") == 2000
    assert notch_rows[("TWN", 2021)] == 19.0  # DBRS AA (high) 20, Moody's Aa3 18
    # Cote d'Ivoire under three spellings; the twice-listed S&P action counts once.
    assert (notch_rows[("CIV", 2021)], agencies[("CIV", 2021)]) == (10.0, 1.0)
    assert (notch_rows[("CIV", 2022)], agencies[("CIV", 2022)]) == (9.5, 2.0)
    assert notch_rows[("BRA", 2022)] == 11.0  # same-day BBB (low) and BB (high): the lower
    assert notch_rows[("COD", 2022)] == 6.0  # this file's "Congo" is the DRC
    assert res.harmonised.aggregates == ["European Union"]
    assert res.harmonised.how["Congo"] == "source override"


def test_cgit_separates_investment_and_construction(matcher: CountryMatcher, raw: Path) -> None:
    res = read_cgit(raw, matcher)
    assert rows(res.observations) == [
        ("BHR", "cgit.construction_usd_m", 2023, 1200.0),
        ("GBR", "cgit.investment_usd_m", 2024, 100.0),
        ("STP", "cgit.construction_usd_m", 2024, 150.0),
        ("TTO", "cgit.investment_usd_m", 2024, 300.0),
        ("USA", "cgit.investment_usd_m", 2023, 750.0),
    ]
    for c in res.catalogue:
        assert "USD 100 million or more" in c["description"]
        assert "no recorded deal, not zero" in c["description"]


def test_gppd_zero_count_is_missing(matcher: CountryMatcher, raw: Path) -> None:
    res = read_gppd(raw, matcher)
    assert rows(res.observations) == [
        ("TWN", "gppd.capacity_gw", 2019, 37.2),
        ("XKX", "gppd.capacity_gw", 2019, 1.5),
    ]


def test_build_observations_on_fixtures(matcher: CountryMatcher, raw: Path) -> None:
    res = build_observations(raw, matcher, min_countries={})
    obs = res.observations
    assert list(obs.columns) == ["iso3", "indicator", "year", "value", "source"]
    assert not obs.duplicated(["iso3", "indicator", "year"]).any()
    assert set(obs["source"]) == set(READERS)
    assert [h.source for h in res.harmonised] == list(READERS)
    cat = res.catalogue
    assert set(obs["indicator"]) == set(cat["code"])
    assert (
        cat[["code", "name_en", "name_zh", "unit", "source", "licence", "description"]]
        .notna()
        .all()
        .all()
    )
    assert set(cat["higher_is"]) <= {"better", "worse", "context"}
    assert (cat["licence"] == cat["source"].map(lambda s: SOURCES[s].licence)).all()


def test_build_observations_coverage_floor(matcher: CountryMatcher, raw: Path) -> None:
    with pytest.raises(IngestError, match="fewer countries than expected"):
        build_observations(raw, matcher, min_countries={"wgi": 50})


# --- the real raw folder -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> tuple[ObservationsResult, set[str]]:
    shared = default_shared_data()
    raw = shared / "raw"
    if not raw.is_dir():
        pytest.skip(f"raw sources not available at {raw}")
    from risk.ingest.countries import build_country_tables

    tables = build_country_tables(raw, shared / "curated")
    real_matcher = CountryMatcher(tables.names, tables.countries["iso3"])
    return build_observations(raw, real_matcher), set(tables.countries["iso3"])


def test_real_folder(real: tuple[ObservationsResult, set[str]]) -> None:
    res, known = real
    obs, cat = res.observations, res.catalogue
    assert not obs.duplicated(["iso3", "indicator", "year"]).any()
    assert set(obs["iso3"]) <= known
    assert not set(obs["iso3"]) & {"WLD", "HIC", "EUU", "OWID_WRL", "ANT", "CHI", "YUG", "KOS"}

    def countries(indicator: str, year: int) -> set[str]:
        sel = obs[(obs["indicator"] == indicator) & (obs["year"] == year)]
        return set(sel["iso3"])

    assert len(countries("wgi.ge", 2023)) >= 190
    for iso3 in ("ROU", "COD", "TLS", "AND", "PSE", "XKX"):
        assert iso3 in countries("wgi.ge", 2023)
    assert "TWN" in countries("wgi.ge", 2023)
    assert len(countries("oxford.total", 2025)) == 195
    assert {"TWN", "MMR", "UKR"} <= countries("oxford.dim.compute_capacity", 2025)
    assert "TWN" in countries("ember.demand_twh", 2024)
    assert len(countries("egov.egdi", 2024)) == 193
    assert "SRB" in countries("unga.ideal_point", 2024)
    assert len(countries("unga.ideal_point", 2024)) >= 190
    assert len(countries("unga.us_agree", 2023)) >= 190
    assert "XKX" in set(obs.loc[obs["indicator"] == "owid.internet_users", "iso3"])  # OWID_KOS
    assert len(countries("owid.internet_users", 2022)) >= 175
    assert len(countries("ratings.notch", 2024)) >= 130
    assert len(countries("gppd.capacity_gw", 2019)) >= 160
    assert len(countries("wdi.ny.gdp.mktp.cd", 2023)) >= 180
    assert obs["indicator"].str.startswith("wdi.").groupby(obs["indicator"]).any().sum() == 34
    # Every year, not only the latest.
    assert obs.loc[obs["indicator"] == "wgi.ge", "year"].nunique() >= 25
    # Values in their documented ranges.
    wgi = obs.loc[obs["indicator"].str.startswith("wgi."), "value"]
    assert wgi.between(-3.5, 3.5).all()
    assert obs.loc[obs["indicator"] == "ratings.notch", "value"].between(1, 21).all()
    assert (
        obs.loc[
            obs["indicator"].str.startswith("unga.") & obs["indicator"].str.endswith("agree"),
            "value",
        ]
        .between(0, 1)
        .all()
    )
    # Catalogue: one row per indicator, every field filled, Chinese names.
    assert set(cat["code"]) == set(obs["indicator"])
    assert len(cat) == 83
    assert cat["name_zh"].str.contains(r"[\u4e00-\u9fff]").all()
    zh = dict(zip(cat["code"], cat["name_zh"], strict=True))
    assert zh["wgi.ge"] == "政府效能"
    assert zh["owid.internet_users"] == "網際網路使用者比例"
    # Nothing left unmatched except former states and non-ISO places.
    unmatched = {n for h in res.harmonised for n in h.unmatched}
    assert unmatched <= {
        "Channel Islands [CHI]",
        "Netherlands Antilles (former) [ANT]",
        "Czechoslovakia [CSK]",
        "German Democratic Republic [DDR]",
        "Yemen Arab Republic [YAR]",
        "Yemen People's Republic [YAR]",
    }
