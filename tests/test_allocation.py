"""The mean-CVaR allocation: hand-made matrices with exact answers, and properties."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from risk.present.scenarios import allocation_error_text, allocation_reasons
from risk.scenarios.allocation import (
    REASON_INELIGIBLE,
    REASON_LOW_FINANCIAL,
    AllocationError,
    Limits,
    allocate,
    dominated_pairs,
    draw_weights,
    explain,
    tail_mean,
)
from risk.scenarios.shortlist import allocation_inputs
from risk.scoring.engine import engine_for
from risk.spec import ScoreSpec
from risk.store.embedded import open_store

TOL = 1e-6


def codes(n: int) -> list[str]:
    return [f"C{i:02d}" for i in range(n)]


# -- exact expectations -------------------------------------------------------------------
def test_all_to_the_better_country_when_uncapped() -> None:
    draws = np.array([[50.0, 60.0], [40.0, 70.0], [55.0, 65.0]])
    a = allocate(draws, 100, ["AAA", "BBB"], limits=Limits(max_share=1.0))
    assert a.amounts.tolist() == pytest.approx([0.0, 100.0])
    assert a.expected_score == pytest.approx(65.0)


def test_country_cap_splits_the_budget() -> None:
    draws = np.array([[50.0, 60.0], [40.0, 70.0]])
    a = allocate(draws, 10, ["AAA", "BBB"], limits=Limits(max_share=0.6))
    assert a.amounts.tolist() == pytest.approx([4.0, 6.0])
    assert "max_share:BBB" in a.binding


def test_risk_aversion_trades_mean_for_tail() -> None:
    # STEADY always scores 50; RISKY averages 55 but scores 10 in one draw of ten.
    risky = np.array([60.0] * 9 + [10.0])
    steady = np.full(10, 50.0)
    draws = np.column_stack([steady, risky])
    greedy = allocate(draws, 1, ["STD", "RSK"], limits=Limits(max_share=1, risk_aversion=0))
    careful = allocate(
        draws, 1, ["STD", "RSK"], limits=Limits(max_share=1, risk_aversion=1, tail=0.1)
    )
    assert greedy.shares.tolist() == pytest.approx([0.0, 1.0])
    assert careful.shares.tolist() == pytest.approx([1.0, 0.0])
    assert careful.tail_score == pytest.approx(50.0)
    assert greedy.tail_score == pytest.approx(10.0)


def test_ineligible_and_low_financial_get_nothing() -> None:
    draws = np.array([[90.0, 80.0, 30.0], [95.0, 85.0, 35.0]])
    a = allocate(
        draws,
        100,
        ["BAD", "WEAK", "OK"],
        eligible=np.array([False, True, True]),
        financial=np.array([90.0, 20.0, 60.0]),
        limits=Limits(max_share=1.0, min_financial=50.0),
    )
    assert a.amounts.tolist() == pytest.approx([0.0, 0.0, 100.0])
    assert a.excluded == {"BAD": REASON_INELIGIBLE, "WEAK": REASON_LOW_FINANCIAL}


def test_missing_financial_score_fails_the_minimum() -> None:
    draws = np.array([[90.0, 30.0]])
    a = allocate(
        draws,
        1,
        ["NAN", "OK"],
        financial=np.array([np.nan, 60.0]),
        limits=Limits(max_share=1.0, min_financial=10.0),
    )
    assert a.excluded == {"NAN": REASON_LOW_FINANCIAL}


def test_region_cap() -> None:
    draws = np.array([[90.0, 85.0, 40.0]])
    a = allocate(
        draws,
        100,
        ["A1", "A2", "B1"],
        regions=["Asia", "Asia", "Europe"],
        limits=Limits(max_share=1.0, max_region_share=0.7),
    )
    assert a.amounts[:2].sum() == pytest.approx(70.0)
    assert a.amounts[2] == pytest.approx(30.0)
    assert "max_region_share:Asia" in a.binding


def test_worst_case_is_the_worst_state() -> None:
    draws = np.array([[60.0, 50.0], [62.0, 50.0], [20.0, 50.0], [22.0, 50.0]])
    states = ["current", "current", "shock", "shock"]
    a = allocate(draws, 1, ["AAA", "BBB"], states=states, limits=Limits(max_share=0.5))
    assert a.by_state == pytest.approx({"current": 55.5, "shock": 35.5})
    assert a.worst_state == "shock"
    assert a.worst_case == pytest.approx(35.5)


def test_states_weigh_equally_whatever_their_draw_counts() -> None:
    p = draw_weights(np.array(["a", "a", "a", "b"]), 4)
    assert p.tolist() == pytest.approx([1 / 6, 1 / 6, 1 / 6, 1 / 2])


def test_tail_mean_takes_fractions_of_draws() -> None:
    values = np.array([10.0, 20.0, 30.0, 40.0])
    w = np.full(4, 0.25)
    assert tail_mean(values, w, 0.25) == pytest.approx(10.0)
    assert tail_mean(values, w, 0.5) == pytest.approx(15.0)
    assert tail_mean(values, w, 0.375) == pytest.approx((10 * 0.25 + 20 * 0.125) / 0.375)
    assert tail_mean(values, w, 1.0) == pytest.approx(25.0)


def test_identical_countries_share_equally() -> None:
    draws = np.array([[50.0, 50.0, 10.0], [60.0, 60.0, 10.0]])
    a = allocate(draws, 1, ["AAA", "BBB", "CCC"], limits=Limits(max_share=1.0))
    assert a.shares[0] == pytest.approx(a.shares[1])
    assert a.shares[2] == pytest.approx(0.0)


def test_to_dict_maps_iso3_to_amount() -> None:
    a = allocate(np.array([[1.0, 2.0]]), 5, ["AAA", "BBB"], limits=Limits(max_share=1.0))
    out = a.to_dict()
    assert out["allocation"] == pytest.approx({"AAA": 0.0, "BBB": 5.0})
    assert {"expected_score", "worst_case", "tail_score"} <= set(out)


# -- infeasible limits name the constraint ---------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "limits", "words"),
    [
        ({}, Limits(max_share=0.3), "max share per country"),
        (
            {"regions": ["Asia", "Asia", "Asia"]},
            Limits(max_share=0.5, max_region_share=0.6),
            "max share per region",
        ),
        ({"eligible": np.array([False, False, False])}, Limits(), "no country can receive"),
        ({"financial": np.array([1.0, 2.0, 3.0])}, Limits(min_financial=50), "no country"),
        ({}, Limits(max_share=1.0, min_tail_score=99.0), "minimum tail score"),
    ],
)
def test_infeasible_names_the_binding_limit(kwargs: dict, limits: Limits, words: str) -> None:
    draws = np.array([[50.0, 60.0, 70.0], [40.0, 65.0, 20.0]])
    with pytest.raises(AllocationError, match=words) as caught:
        allocate(draws, 100, ["AAA", "BBB", "CCC"], limits=limits, **kwargs)
    # ... and says it in either language, with its figures filled in
    zh, en = (allocation_error_text(caught.value, lang) for lang in ("zh-TW", "en"))
    assert zh != str(caught.value) and en != str(caught.value)
    assert "{" not in zh + en


@pytest.mark.parametrize(
    ("budget", "limits", "words"),
    [
        (0.0, Limits(), "budget"),
        (float("nan"), Limits(), "budget"),
        (10.0, Limits(max_share=0.0), "max share per country"),
        (10.0, Limits(tail=0.0), "tail"),
        (10.0, Limits(risk_aversion=2.0), "risk aversion"),
    ],
)
def test_bad_arguments(budget: float, limits: Limits, words: str) -> None:
    with pytest.raises(AllocationError, match=words):
        allocate(np.ones((2, 3)), budget, codes(3), limits=limits)


def test_tail_floor_is_met_when_reachable() -> None:
    risky = np.array([60.0] * 9 + [10.0])
    draws = np.column_stack([np.full(10, 50.0), risky])
    a = allocate(
        draws,
        1,
        ["STD", "RSK"],
        limits=Limits(max_share=1, risk_aversion=0, tail=0.1, min_tail_score=40.0),
    )
    assert a.tail_score >= 40.0 - TOL


# -- properties ----------------------------------------------------------------------------
@st.composite
def problems(draw: st.DrawFn) -> dict:
    n = draw(st.integers(2, 8))
    d = draw(st.integers(1, 30))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    base = rng.uniform(0, 100, n)
    spread = draw(st.sampled_from([0.0, 5.0, 30.0]))
    scores = np.clip(base + rng.normal(0, 1, (d, n)) * spread, 0, 100)
    if draw(st.booleans()):  # force a dominated pair: column 1 below column 0 everywhere
        scores[:, 1] = scores[:, 0] - rng.uniform(0, 5, d)
    eligible = rng.random(n) > 0.2
    regions = rng.choice(["Asia", "Europe", "Americas"], n)
    return {
        "draws": scores,
        "eligible": eligible,
        "regions": regions,
        "financial": rng.uniform(0, 100, n),
        "budget": draw(st.floats(1, 1e9)),
        "limits": Limits(
            max_share=draw(st.sampled_from([0.2, 0.35, 0.5, 1.0])),
            max_region_share=draw(st.sampled_from([0.4, 0.6, 1.0])),
            min_financial=draw(st.sampled_from([0.0, 20.0])),
            tail=draw(st.sampled_from([0.05, 0.2, 1.0])),
            risk_aversion=draw(st.sampled_from([0.0, 0.5, 1.0])),
        ),
        "states": rng.choice(["current", "shock"], d) if draw(st.booleans()) else None,
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_allocation_properties(pb: dict) -> None:
    lim: Limits = pb["limits"]
    n = pb["draws"].shape[1]
    try:
        a = allocate(
            pb["draws"],
            pb["budget"],
            codes(n),
            eligible=pb["eligible"],
            regions=pb["regions"],
            financial=pb["financial"],
            states=pb["states"],
            limits=lim,
        )
    except AllocationError as exc:
        ok = pb["eligible"] & (pb["financial"] >= lim.min_financial)
        k = int(ok.sum())
        room = sum(
            min(lim.max_region_share, (ok & (pb["regions"] == r)).sum() * lim.max_share)
            for r in set(pb["regions"][ok])
        )
        assert k == 0 or k * lim.max_share < 1 or room < 1, str(exc)
        return
    budget = pb["budget"]
    amounts = a.amounts
    # Sums to the budget; every cap holds; ineligible and low-financial countries get zero.
    assert amounts.sum() == pytest.approx(budget, rel=1e-9)
    assert (amounts >= 0).all()
    assert (a.shares <= lim.max_share + TOL).all()
    for r in set(pb["regions"]):
        assert a.shares[pb["regions"] == r].sum() <= lim.max_region_share + TOL
    assert (amounts[~pb["eligible"]] == 0).all()
    assert (amounts[pb["financial"] < lim.min_financial] == 0).all()
    # A country dominated in every draw never gets more than the one dominating it, when both
    # may receive money and a swap would not break the regional cap.
    ok = pb["eligible"] & (pb["financial"] >= lim.min_financial)
    for i, j in dominated_pairs(pb["draws"]):
        if not (ok[i] and ok[j]):
            continue
        same_region = pb["regions"][i] == pb["regions"][j]
        if same_region or lim.max_region_share >= 1:
            assert a.shares[i] <= a.shares[j] + TOL, (i, j, a.shares)
    # The summary figures are consistent.
    assert a.worst_case <= a.expected_score + TOL
    assert a.tail_score <= a.expected_score + TOL


def test_thirty_by_thousand_solves() -> None:
    """The benchmark's problem size solves and respects its limits (speed is measured by
    `python -m risk bench` as allocate_30x1000_s, not asserted here)."""
    rng = np.random.default_rng(7)
    draws = rng.uniform(20, 80, 30) + rng.normal(0, 10, (1000, 30))
    regions = np.array(["Asia", "Europe", "Americas", "Africa", "Oceania"] * 6)
    a = allocate(
        draws, 1e6, codes(30), regions=regions, limits=Limits(max_share=0.2, max_region_share=0.4)
    )
    assert a.amounts.sum() == pytest.approx(1e6)
    assert (a.shares <= 0.2 + TOL).all()


# -- why a split is what it is, and a minimum number of markets ----------------------------------
FIVE = np.array([[90.0, 80.0, 70.0, 60.0, 50.0], [92.0, 82.0, 72.0, 62.0, 52.0]])
FIVE_CODES = ["AAA", "BBB", "CCC", "DDD", "EEE"]


def test_a_corner_split_is_explained_by_the_cap_that_binds() -> None:
    a = allocate(FIVE, 100, FIVE_CODES, limits=Limits(max_share=0.4))
    assert a.shares.tolist() == pytest.approx([0.4, 0.4, 0.2, 0.0, 0.0])  # 40/40/20
    why = explain(a)
    assert why.corner
    assert why.at_country_cap == ("AAA", "BBB")
    assert why.rest == ("CCC",)
    assert why.unfunded == ("DDD", "EEE")
    assert a.to_dict()["explanation"]["at_country_cap"] == ["AAA", "BBB"]
    en = allocation_reasons(a, "en", str)
    assert "corners of the limits" in en[0]
    assert "At the per-country cap (40%): AAA 40%, BBB 40%" in en
    assert "Takes what the limits leave: CCC 20%" in en
    assert any(line.startswith("Nothing for DDD, EEE") for line in en)
    zh = allocation_reasons(a, "zh-TW", str)
    assert "達到單一國家上限（40%）：AAA 40%、BBB 40%" in zh
    assert all(line and not line.startswith("sc.") for line in en + zh)


def test_the_regional_cap_is_named_with_the_markets_it_holds() -> None:
    a = allocate(
        FIVE,
        100,
        FIVE_CODES,
        regions=["Europe", "Europe", "East Asia", "Middle East", "Middle East"],
        limits=Limits(max_share=0.4, max_region_share=0.5),
    )
    assert a.shares.tolist() == pytest.approx([0.4, 0.1, 0.4, 0.1, 0.0])
    why = explain(a)
    assert why.regions_at_cap == ("Europe",)
    assert why.held_by_region == ("BBB",)
    en = allocation_reasons(a, "en", str)
    assert "Europe is at the regional cap (50%): AAA 40%, BBB 10%" in en


def test_a_minimum_number_of_markets_funds_that_many_with_the_stake() -> None:
    free = allocate(FIVE, 100, FIVE_CODES, limits=Limits(max_share=1.0))
    assert (free.shares > 0).sum() == 1
    a = allocate(FIVE, 100, FIVE_CODES, limits=Limits(max_share=1.0, min_markets=4, min_stake=0.1))
    assert a.shares.tolist() == pytest.approx([0.7, 0.1, 0.1, 0.1, 0.0])
    assert (a.shares > 0).sum() == 4 and a.shares[a.shares > 0].min() >= 0.1 - TOL
    assert explain(a).at_min_stake == ("BBB", "CCC", "DDD")
    assert {"min_markets:BBB", "min_markets:CCC", "min_markets:DDD"} <= set(a.binding)
    en = allocation_reasons(a, "en", str)
    assert (
        "Given only the minimum stake (10%) so that at least 4 markets are funded: "
        "BBB 10%, CCC 10%, DDD 10%"
    ) in en
    assert a.to_dict()["limits"]["min_markets"] == 4


@pytest.mark.parametrize(
    ("limits", "regions", "limit", "words"),
    [
        (Limits(min_markets=6), None, "min_markets_available", "only 5 in the shortlist"),
        (Limits(min_markets=5, min_stake=0.25), None, "min_markets_total", "125%"),
        (Limits(max_share=0.2, min_markets=2, min_stake=0.3), None, "min_stake_above_cap", "30%"),
        (
            Limits(max_share=0.5, max_region_share=0.5, min_markets=5, min_stake=0.2),
            ["Europe", "Europe", "Europe", "Asia", "Asia"],
            "min_markets_caps",
            "do not fit",
        ),
    ],
)
def test_an_impossible_minimum_of_markets_is_said_in_both_languages(
    limits: Limits, regions: list[str] | None, limit: str, words: str
) -> None:
    with pytest.raises(AllocationError, match=words) as caught:
        allocate(FIVE, 100, FIVE_CODES, regions=regions, limits=limits)
    assert caught.value.limit == limit
    assert allocation_error_text(caught.value, "zh-TW").startswith(("最少配置國家數", "每國最低"))
    assert allocation_error_text(caught.value, "en").startswith(
        ("The minimum", "The minimum stake")
    )


def test_gulf_markets_count_under_the_middle_east_not_an_asian_regional_cap(
    datasets_dir: Path, data_dir: Path
) -> None:
    eng = engine_for(open_store())
    spec = ScoreSpec.from_preset("balanced", data_version=eng.data_version)
    inputs = allocation_inputs(eng, spec, [], ["ARE", "SAU", "JPN", "KOR"], n_draws=20)
    assert inputs.regions == ("Middle East", "Middle East", "East Asia", "East Asia")
    a = inputs.allocate(100, Limits(max_share=0.4, max_region_share=0.5))
    region_caps = {b.partition(":")[2] for b in a.binding if b.startswith("max_region_share")}
    assert not region_caps & {"Asia", "Asia-Pacific"}
    assert a.shares[2:].sum() <= 0.5 + TOL  # Japan and Korea share the East Asia cap
