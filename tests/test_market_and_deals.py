"""The build-out, the US deals and market size in the score: exact small cases, then the real data
judged as an AI-server executive would."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from risk.ingest.countries import business_region
from risk.ingest.partnerships import PARTNERSHIPS_CSV, build_partnerships
from risk.scoring.derived import PARTNERSHIPS_CODE, partnership_counts
from risk.scoring.engine import engine_for
from risk.scoring.explain import drivers
from risk.scoring.market import small_market_share
from risk.scoring.result import result_table
from risk.spec import ScoreSpec
from risk.store import open_store
from risk.text import short_label

AS_OF = "2026-11-27"


def test_small_market_share_is_log_scaled_and_waived_for_known_clusters() -> None:
    gdp = np.array([200e9, 100e9, 10e9, 1e9, 0.5e9, np.nan, np.nan, 5e9])
    pop = np.array([5e7, 5e7, 5e6, 5e5, 5e5, 5e5, 5e6, 5e5])
    clusters = np.array([0, 0, 0, 0, 0, 0, 0, 2])
    share = small_market_share(gdp, pop, clusters)
    assert share.tolist() == pytest.approx([0, 0, 0.5, 1, 1, 1, 0.5, 0])
    assert small_market_share(np.full(3, np.nan), pop[:3], clusters[:3]).tolist() == [0, 0, 0]


def test_partnerships_count_from_their_signing_day() -> None:
    countries = pd.DataFrame({"iso3": ["AAA", "BBB", "CCC"]})
    deals = pd.DataFrame(
        {
            "iso3": ["AAA", "AAA", "BBB"],
            "agreement": ["Pax", "Deal", "Pax"],
            "signed": [date(2025, 12, 12), date(2026, 3, 1), date(2026, 1, 14)],
            "effective_to": [None, date(2026, 6, 1), None],
        }
    )

    def counts(day: date) -> dict[str, float]:
        out = partnership_counts(countries, deals, day)
        assert set(out["indicator"]) == {PARTNERSHIPS_CODE}
        return dict(zip(out["iso3"], out["value"], strict=True))

    assert counts(date(2025, 12, 11)) == {"AAA": 0, "BBB": 0, "CCC": 0}
    assert counts(date(2025, 12, 12)) == {"AAA": 1, "BBB": 0, "CCC": 0}
    assert counts(date(2026, 3, 1)) == {"AAA": 2, "BBB": 1, "CCC": 0}
    assert counts(date(2026, 6, 1)) == {"AAA": 1, "BBB": 1, "CCC": 0}  # the deal ended that day


def test_curated_partnerships_have_sources_and_dates() -> None:
    known = set(pd.read_parquet(Path("datasets/countries.parquet"))["iso3"])
    table = build_partnerships(known, PARTNERSHIPS_CSV)
    assert table["source_url"].str.contains("https://").all()  # a link to follow on every row
    assert {"ARE", "SAU", "GBR", "JPN", "KOR"} <= set(table["iso3"])
    pax = table[table["agreement"] == "Pax Silica Declaration"].set_index("iso3")["signed"]
    assert pax["JPN"] == date(2025, 12, 12) and pax["ARE"] == date(2026, 1, 14)


@pytest.mark.parametrize(
    ("iso3", "region", "subregion", "expected"),
    [
        ("ARE", "Asia", "Western Asia", "Middle East"),
        ("SAU", "Asia", "Western Asia", "Middle East"),
        ("IRN", "Asia", "Southern Asia", "Middle East"),
        ("IND", "Asia", "Southern Asia", "South Asia"),
        ("VNM", "Asia", "South-eastern Asia", "Southeast Asia"),
        ("JPN", "Asia", "Eastern Asia", "East Asia"),
        ("KAZ", "Asia", "Central Asia", "Europe"),
        ("GEO", "Asia", "Western Asia", "Europe"),
        ("BRA", "Americas", "Latin America and the Caribbean", "Americas"),
        ("AUS", "Oceania", "Australia and New Zealand", "Oceania"),
    ],
)
def test_business_regions(iso3: str, region: str, subregion: str, expected: str) -> None:
    assert business_region(iso3, region, subregion) == expected


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("Foreign reserves (months of imports, log(1+n))", "Foreign reserves"),
        ("外匯存底（可支應進口月數，取 log(1+n)）", "外匯存底"),
        ("Planned AI compute (certainty-weighted; Epoch AI)", "Planned AI compute"),
        ("GDP", "GDP"),
        ("Bloc balance: US-aligned minus China-aligned memberships", "Bloc balance"),
        ("陣營平衡：親美組織數減親中組織數", "陣營平衡"),
    ],
)
def test_short_label(name: str, short: str) -> None:
    assert short_label(name) == short


@pytest.fixture(scope="module")
def ranked() -> dict[str, pd.DataFrame]:
    eng = engine_for(open_store())
    out = {}
    for preset in eng.framework.presets:
        spec = ScoreSpec.from_preset(preset, as_of=AS_OF, mc_draws=0)
        out[preset] = result_table(eng.score(spec, monte_carlo=False)).set_index("iso3")
    return out


def test_largest_eligible_build_outs_rank_in_the_hardware_top_25(
    ranked: dict[str, pd.DataFrame],
) -> None:
    obs = open_store().table("observations")
    planned = obs[obs["indicator"] == "epoch.h100e_planned"].set_index("iso3")["value"]
    table = ranked["hardware"]
    eligible = table[table["rank"].notna()]
    six = planned[planned.index.isin(eligible.index)].nlargest(6).index
    assert {"ARE", "SAU"} <= set(six)
    assert (eligible.loc[six, "rank"] <= 25).all(), eligible.loc[six, ["rank"]]


def test_no_microstate_without_a_cluster_in_any_top_30(ranked: dict[str, pd.DataFrame]) -> None:
    obs = open_store().table("observations")
    latest = obs.sort_values("year").groupby(["indicator", "iso3"])["value"].last()
    pop = latest["wdi.sp.pop.totl"]
    clusters = latest.get("epoch.clusters", pd.Series(dtype=float))
    for preset, table in ranked.items():
        top = table[table["rank"] <= 30].index
        small = [c for c in top if pop.get(c, 0) < 1e6 and clusters.get(c, 0) == 0]
        assert not small, (preset, small)


def test_reasons_name_the_build_out_for_the_gulf(ranked: dict[str, pd.DataFrame]) -> None:
    eng = engine_for(open_store())
    result = eng.score(ScoreSpec.from_preset("hardware", as_of=AS_OF, mc_draws=0))
    strong, weak = drivers(result, "ARE")
    assert "epoch.h100e_planned" in strong and strong and weak
    assert not set(strong) & set(weak)
