"""Each filter narrows the ranked table as its definition says, through parameterised SQL."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from risk.filters import apply_filters, filter_sql
from risk.scoring.engine import engine_for
from risk.scoring.result import result_table
from risk.share import Filters
from risk.spec import ScoreSpec
from risk.store.embedded import DuckDBStore

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> DuckDBStore:
    return DuckDBStore(tmp_path_factory.mktemp("f") / "s.duckdb", ROOT / "datasets")


@pytest.fixture(scope="module")
def ranked(store: DuckDBStore) -> pd.DataFrame:
    eng = engine_for(store)
    return result_table(eng.score(ScoreSpec(as_of="2026-11-27", mc_draws=50)))


@pytest.fixture(scope="module")
def countries(store: DuckDBStore) -> pd.DataFrame:
    return store.table("countries").set_index("iso3")


def test_default_shows_eligible_only(store: DuckDBStore, ranked: pd.DataFrame) -> None:
    out = apply_filters(store, ranked, Filters())
    assert out["eligible"].all() and len(out) == int(ranked["eligible"].sum())
    assert out["iso3"].tolist() == ranked.loc[ranked["eligible"], "iso3"].tolist()  # order kept
    assert {"CHN", "IRN", "HKG"}.isdisjoint(out["iso3"])


@pytest.mark.parametrize(
    ("filters", "check"),
    [
        (Filters(regions=("Asia",)), lambda c: c["region"] == "Asia"),
        (
            Filters(subregions=("South-eastern Asia",)),
            lambda c: c["subregion"] == "South-eastern Asia",
        ),
        (Filters(incomes=("Low income",)), lambda c: c["income_group"] == "Low income"),
        (Filters(blocs=("nato",)), lambda c: c["bloc_nato"]),
        (Filters(blocs=("oecd", "eu")), lambda c: c["bloc_oecd"] | c["bloc_eu"]),
        (Filters(blocs=("bri",)), lambda c: c["bloc_bri"]),
        (Filters(taiwan=("new_southbound_policy",)), lambda c: c["new_southbound_policy"]),
        (Filters(taiwan=("diplomatic_ally",)), lambda c: c["diplomatic_ally"]),
    ],
)
def test_country_filters(
    store: DuckDBStore, ranked: pd.DataFrame, countries: pd.DataFrame, filters: Filters, check
) -> None:  # type: ignore[no-untyped-def]
    out = apply_filters(store, ranked, filters)
    expected = ranked[
        ranked["eligible"] & ranked["iso3"].map(lambda i: bool(check(countries.loc[i])))
    ]
    assert out["iso3"].tolist() == expected["iso3"].tolist()
    assert len(out) > 0


def test_score_and_coverage_thresholds(store: DuckDBStore, ranked: pd.DataFrame) -> None:
    out = apply_filters(
        store,
        ranked,
        Filters(min_pillar=(("financial", 60.0), ("alignment", 50.0)), min_coverage=0.9),
    )
    assert (
        (out["financial"] >= 60).all()
        and (out["alignment"] >= 50).all()
        and (out["coverage"] >= 0.9).all()
    )
    exp = ranked[
        ranked["eligible"]
        & (ranked["financial"] >= 60)
        & (ranked["alignment"] >= 50)
        & (ranked["coverage"] >= 0.9)
    ]
    assert len(out) == len(exp)


def test_eligibility_modes(store: DuckDBStore, ranked: pd.DataFrame) -> None:
    assert len(apply_filters(store, ranked, Filters(eligibility="all"))) == len(ranked)
    inel = apply_filters(store, ranked, Filters(eligibility="ineligible"))
    assert "CHN" in set(inel["iso3"]) and not inel["eligible"].any()


def test_search_is_data_not_sql(store: DuckDBStore, ranked: pd.DataFrame) -> None:
    assert apply_filters(store, ranked, Filters(search="南韓"))["iso3"].tolist() == ["KOR"]
    for spelling in ("台灣", "臺灣"):  # the everyday and the formal character
        found = apply_filters(store, ranked, Filters(search=spelling, eligibility="all"))
        assert found["iso3"].tolist() == ["TWN"]
    assert apply_filters(store, ranked, Filters(search="korea", eligibility="all"))[
        "iso3"
    ].tolist()[:1] == ["KOR"]
    assert apply_filters(store, ranked, Filters(search="' OR 1=1 --")).empty
    assert apply_filters(store, ranked, Filters(search="%")).empty


def test_user_values_never_enter_the_sql_text() -> None:
    sql, params = filter_sql(
        Filters(
            regions=("Asia'; DROP TABLE countries; --",), search="x' OR '1", blocs=("nato; DROP",)
        )
    )
    assert "DROP" not in sql and "OR '1" not in sql
    assert params["regions"] == ["Asia'; DROP TABLE countries; --"]


@pytest.mark.parametrize("eligibility", ["eligible", "all"])
def test_usual_view_without_a_query_keeps_the_rows_the_query_keeps(
    store: DuckDBStore, ranked: pd.DataFrame, eligibility: str
) -> None:
    odd = pd.DataFrame({"iso3": ["XXX", ranked["iso3"].iloc[0]], "eligible": [True, None]})
    scores = pd.concat([ranked, odd.reindex(columns=ranked.columns)], ignore_index=True)
    quick = apply_filters(store, scores, Filters(eligibility=eligibility))
    # a condition every row passes sends the same view through DuckDB
    queried = apply_filters(
        store, scores, Filters(eligibility=eligibility, min_pillar=(("financial", -1.0),))
    )
    pd.testing.assert_frame_equal(quick, queried)
    assert "XXX" not in set(quick["iso3"])  # not a known country
