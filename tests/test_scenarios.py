"""Scenarios: each kind on hand-made inputs, composition, round trips, properties, bundled data."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "scenarios"))
import scenario_world as sw  # noqa: E402

from risk.present.scenarios import state_table  # noqa: E402
from risk.scenarios.allocation import Limits  # noqa: E402
from risk.scenarios.kinds import apply_scenarios, parse_scenarios, scenarios_text  # noqa: E402
from risk.scenarios.runs import ScenarioRun, change_counts, movers  # noqa: E402
from risk.scenarios.runs import run as run_scenarios  # noqa: E402
from risk.scenarios.shortlist import allocation_inputs, score_draws, top_eligible  # noqa: E402
from risk.scenarios.view import ScenarioView, view_from_widgets, widget_state  # noqa: E402
from risk.scenarios.worlds import ScenarioError, World, base_world, score_world, target_mask  # noqa: E402
from risk.scoring.engine import engine_for
from risk.scoring.steps import rank_desc
from risk.spec import ScoreSpec  # noqa: E402
from risk.store.embedded import open_store

ENG = sw.engine()


def after(text: str, **spec_kw: object) -> pd.DataFrame:
    return run_scenarios(ENG, sw.spec(**spec_kw), parse_scenarios(text)).table.set_index("iso3")


def world(text: str = "") -> World:
    return apply_scenarios(base_world(ENG, sw.spec()), parse_scenarios(text))


def raw(w: World, code: str) -> dict[str, float]:
    j = w.prepared.codes.index(code)
    return dict(zip(w.prepared.iso3, w.prepared.raw[:, j], strict=True))


def transformed(w: World, code: str) -> dict[str, float]:
    j = w.prepared.codes.index(code)
    return dict(zip(w.prepared.iso3, w.prepared.transformed[:, j], strict=True))


# -- parsing and text form -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("diffusion-tiers", "diffusion-tiers"),
        ("diffusion-tiers:penalty=5", "diffusion-tiers:penalty=5"),
        ("d5-in:iso3=VNM", "d5-in:iso3=VNM"),
        ("alignment-shock:shift=-1,target=brics", "alignment-shock:target=brics,shift=-1"),
        ("demand-growth:target=Asia,factor=1.25", "demand-growth:target=Asia,factor=1.25"),
        ("financing-tightens", "financing-tightens"),
        ("financing-tightens:notches=1,weight=1.5", "financing-tightens"),
        ("financing-tightens:notches=3", "financing-tightens:notches=3"),
        (
            " diffusion-tiers | d5-out:iso3=KHM ",
            "diffusion-tiers|d5-out:iso3=KHM",
        ),
    ],
)
def test_text_round_trip(text: str, canonical: str) -> None:
    parsed = parse_scenarios(text)
    assert scenarios_text(parsed) == canonical
    assert parse_scenarios(canonical) == parsed


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("tier-caps", "unknown scenario"),
        ("d5-in", "iso3= is required"),
        ("d5-in:country=VNM", "unknown parameter"),
        ("demand-growth:target=Asia,factor=lots", "factor must be a float"),
        ("alignment-shock:target=nato,shift=nan", "finite"),
        ("financing-tightens:notches", "name=value"),
    ],
)
def test_bad_scenarios_are_named(text: str, words: str) -> None:
    with pytest.raises(ScenarioError, match=words):
        parse_scenarios(text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("d5-in:iso3=XYZ", "unknown country codes"),
        ("alignment-shock:target=Atlantis,shift=1", "unknown target"),
        ("demand-growth:target=Asia,factor=0", "positive"),
        ("financing-tightens:notches=-1", "notches >= 0"),
    ],
)
def test_bad_arguments_fail_when_applied(text: str, words: str) -> None:
    with pytest.raises(ScenarioError, match=words):
        world(text)


def test_empty_text_is_no_scenario() -> None:
    assert parse_scenarios("") == ()
    assert parse_scenarios(None) == ()


# -- targets -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("target", "members"),
    [
        ("all", {"AAA", "BBB", "CCC", "DDD", "EEE"}),
        ("Asia", {"AAA", "BBB"}),
        ("asia", {"AAA", "BBB"}),
        ("Western Europe", {"CCC"}),
        ("nato", {"CCC", "EEE"}),
        ("brics", {"BBB", "DDD"}),
        ("AAA+ddd", {"AAA", "DDD"}),
    ],
)
def test_targets(target: str, members: set[str]) -> None:
    w = world()
    mask = target_mask(w, target)
    assert set(w.prepared.iso3[mask]) == members


# -- each kind -----------------------------------------------------------------------------
def test_diffusion_tiers_gate_tier3_and_penalise_tier2() -> None:
    t = after("diffusion-tiers:penalty=7")
    assert not t.loc["DDD", "eligible"]
    assert t.loc["DDD", "reason"] == "AI Diffusion tier 3"
    assert t.loc["BBB", "penalty"] == 7.0  # not listed: tier 2 by the rule's default
    assert t.loc["BBB", "score_change"] == pytest.approx(-7.0)
    assert t.loc["EEE", "penalty"] == 7.0  # unlisted: tier 2


def test_diffusion_tiers_list_the_exporter_as_unrestricted() -> None:
    # The rule restricts exports from the United States: it is not a tier 2 destination.
    tiers = world("diffusion-tiers").diffusion_tiers
    assert tiers.loc[tiers["iso3"] == "USA", "tier"].tolist() == ["1"]


def test_d5_in_and_out() -> None:
    t = after("d5-in:iso3=AAA+BBB")
    assert not t.loc["AAA", "eligible"] and t.loc["AAA", "reason"] == "EAR D:5"
    assert not t.loc["BBB", "eligible"]
    eng = sw.engine(controls=[("CCC", "D:5")])
    base = run_scenarios(eng, sw.spec(), ()).table.set_index("iso3")
    freed = run_scenarios(eng, sw.spec(), parse_scenarios("d5-out:iso3=CCC")).table.set_index(
        "iso3"
    )
    assert not base.loc["CCC", "eligible"]
    assert freed.loc["CCC", "eligible"] and freed.loc["CCC", "rank"] == 2


def test_alignment_shock_shifts_by_standard_deviations_within_the_range() -> None:
    base, w = world(), world("alignment-shock:target=BBB,shift=1")
    ideal = np.array(list(transformed(base, "s.ideal").values()))
    china = np.array(list(transformed(base, "s.china").values()))
    assert transformed(w, "s.ideal")["BBB"] == pytest.approx(-1.0 + ideal.std())
    # Lower is better for agreement with China: a shift towards the US lowers it.
    assert transformed(w, "s.china")["BBB"] == pytest.approx(0.8 - china.std())
    assert transformed(w, "s.ideal")["AAA"] == transformed(base, "s.ideal")["AAA"]
    far = world("alignment-shock:target=BBB,shift=10")
    assert transformed(far, "s.ideal")["BBB"] == pytest.approx(3.0)  # the most aligned today
    assert transformed(far, "s.china")["BBB"] == pytest.approx(0.1)
    assert after("alignment-shock:target=BBB,shift=1").loc["BBB", "score_change"] > 0


def test_demand_growth_scales_levels_of_the_target_only() -> None:
    base, w = world(), world("demand-growth:target=Asia,factor=2")
    assert raw(w, "s.gdp")["AAA"] == pytest.approx(2e12)
    assert raw(w, "s.gdp")["BBB"] == pytest.approx(4e11)
    assert raw(w, "s.gdp")["CCC"] == raw(base, "s.gdp")["CCC"]
    assert transformed(w, "s.gdp")["AAA"] == pytest.approx(np.log(2e12))
    assert raw(w, "s.users") == raw(base, "s.users")  # a percentage does not scale


def test_financing_tightens_cuts_notches_and_raises_the_weight() -> None:
    base, w = world(), world("financing-tightens:notches=3,weight=2,target=brics")
    assert raw(w, "ratings.notch")["BBB"] == 7.0
    assert raw(w, "ratings.notch")["DDD"] == 1.0  # floored at the bottom of the scale
    assert raw(w, "ratings.notch")["AAA"] == raw(base, "ratings.notch")["AAA"]
    assert dict(w.spec.pillar_weights)["financial"] == 2.0
    assert dict(w.spec.pillar_weights)["gov_support"] == 1.0


def test_notes_say_what_each_scenario_did() -> None:
    w = world("d5-in:iso3=AAA|demand-growth:target=Asia,factor=1.5")
    assert w.notes == ("moved into D:5: AAA", "compute demand of Asia x1.5")


def test_composition_applies_in_order() -> None:
    both = world("demand-growth:target=Asia,factor=2|demand-growth:target=AAA,factor=3")
    assert raw(both, "s.gdp")["AAA"] == pytest.approx(6e12)
    t = after("diffusion-tiers|d5-in:iso3=AAA")
    assert not t.loc["DDD", "eligible"] and not t.loc["AAA", "eligible"]


def test_compare_columns_and_sign() -> None:
    t = after("alignment-shock:target=BBB,shift=10|d5-in:iso3=CCC")
    assert {"rank_before", "rank_change", "score_before", "eligible_before"} <= set(t.columns)
    moved = t.dropna(subset=["rank"])
    assert (moved["rank_change"] == moved["rank_before"] - moved["rank"]).all()
    m = movers(t.reset_index(), 5)
    assert "CCC" in set(m["iso3"])  # newly ineligible countries are listed among the movers
    counts = change_counts(t.reset_index())
    assert counts["newly_ineligible"] == 1  # CCC
    assert counts["up"] == int((moved["rank_change"] >= 3).sum())
    assert counts["down"] == int((moved["rank_change"] <= -3).sum())


def test_a_one_place_shift_is_not_counted_as_a_move() -> None:
    table = pd.DataFrame(
        {
            "eligible_before": [True, True, True, True],
            "eligible": [False, True, True, True],
            "rank_change": [np.nan, 1, 1, 5],  # one country left: everyone below moves up one
        }
    )
    assert change_counts(table) == {"newly_ineligible": 1, "up": 1, "down": 0}
    assert change_counts(table, threshold=1)["up"] == 3


# -- properties ----------------------------------------------------------------------------
TARGETS = st.sampled_from(["all", "Asia", "Europe", "nato", "brics", "AAA", "BBB+DDD", "EEE"])
NO_OPS = st.one_of(
    st.builds(lambda t: f"alignment-shock:target={t},shift=0", TARGETS),
    st.builds(lambda t: f"demand-growth:target={t},factor=1", TARGETS),
    st.builds(lambda t: f"financing-tightens:notches=0,weight=1,target={t}", TARGETS),
    st.just("d5-out:iso3=AAA"),  # not in D:5
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(NO_OPS, min_size=1, max_size=3), st.sampled_from(["minmax", "zscore", "rank"]))
def test_a_scenario_that_changes_nothing_leaves_ranks_identical(
    texts: list[str], norm: str
) -> None:
    run = run_scenarios(
        ENG, sw.spec(normalisation=norm, mc_draws=50), parse_scenarios("|".join(texts))
    )
    before = run.before.table.set_index("iso3")
    now = run.after.table.set_index("iso3")
    for col in ("rank", "rank_p05", "rank_p95", "eligible"):
        pd.testing.assert_series_equal(before[col], now[col])
    np.testing.assert_allclose(before["score"], now["score"], rtol=0, atol=1e-9)
    assert (run.table["rank_change"].dropna() == 0).all()


EXTRA = st.one_of(
    st.builds(lambda t, s: f"alignment-shock:target={t},shift={s}", TARGETS, st.floats(-3, 3)),
    st.builds(lambda t, f: f"demand-growth:target={t},factor={f}", TARGETS, st.floats(0.1, 5)),
    st.builds(lambda n: f"financing-tightens:notches={n}", st.integers(0, 10)),
    st.builds(lambda c: f"d5-out:iso3={c}", st.sampled_from(["AAA", "DDD", "EEE"])),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(EXTRA, max_size=3), st.floats(0, 50), st.booleans())
def test_diffusion_tiers_make_every_tier3_country_ineligible(
    others: list[str], penalty: float, first: bool
) -> None:
    tiers = f"diffusion-tiers:penalty={penalty}"
    texts = [tiers, *others] if first else [*others, tiers]
    t = run_scenarios(ENG, sw.spec(), parse_scenarios("|".join(texts))).table.set_index("iso3")
    tier3 = sw.TIERS.loc[sw.TIERS["tier"] == "3", "iso3"]
    assert not t.loc[tier3, "eligible"].any()
    assert t.loc[tier3, "rank"].isna().all()


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(["AAA", "BBB", "CCC", "EEE"]))
def test_d5_in_then_out_restores_the_ranking(iso: str) -> None:
    base = run_scenarios(ENG, sw.spec(), ()).table.set_index("iso3")
    back = run_scenarios(ENG, sw.spec(), parse_scenarios(f"d5-in:iso3={iso}|d5-out:iso3={iso}"))
    pd.testing.assert_series_equal(base["rank"], back.table.set_index("iso3")["rank"])


# -- score draws and allocation inputs -------------------------------------------------------
def test_score_draws_rank_exactly_like_the_monte_carlo() -> None:
    spec = sw.spec(mc_draws=200, seed=3)
    res = score_world(base_world(ENG, spec))
    draws = score_draws(res, 200)
    ranked = res.table["rank"].notna().to_numpy()
    ranks = rank_desc(draws.T, ranked)
    mc = res.steps["monte_carlo"]
    np.testing.assert_array_equal(np.nan_to_num(ranks, nan=-1), np.nan_to_num(mc.ranks, nan=-1))


def test_allocation_inputs_cover_every_world() -> None:
    scs = parse_scenarios("diffusion-tiers|d5-in:iso3=BBB")
    ai = allocation_inputs(ENG, sw.spec(), scs, ["AAA", "BBB", "DDD", "EEE"], 40)
    assert ai.draws.shape == (4 * 40, 4)
    assert list(dict.fromkeys(ai.states)) == [
        "current",
        "diffusion-tiers",
        "d5-in:iso3=BBB",
        "combined",
    ]
    # DDD is tier 3 and BBB goes into D:5 in some worlds: neither may receive money.
    assert ai.eligible.tolist() == [True, False, False, True]
    assert ai.reason_text("DDD") == "AI Diffusion tier 3 (diffusion-tiers)"
    assert ai.reasons["BBB"] == ("EAR D:5", "d5-in:iso3=BBB")
    assert ai.reason_text("AAA") == ""
    ddd = ai.draws[ai.states == "diffusion-tiers", 2]
    assert (ddd == 0).all()
    assert ai.regions == ("Asia", "Asia", "Africa", "Americas")
    split = ai.allocate(100.0, Limits(max_share=0.6))
    assert split.amounts.sum() == pytest.approx(100.0)
    assert split.amounts[1] == split.amounts[2] == 0  # BBB and DDD get nothing
    by_world = state_table(split, "en")
    assert len(by_world) == 4 and by_world["score"].notna().all()


def test_allocation_inputs_reject_unknown_countries() -> None:
    with pytest.raises(ScenarioError, match="not scored"):
        allocation_inputs(ENG, sw.spec(), (), ["AAA", "ZZZ"], 10)


def test_top_eligible() -> None:
    t = after("")
    assert top_eligible(t.reset_index(), 2) == ["EEE", "CCC"]


# -- bundled data ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bundled(datasets_dir: Path) -> ScenarioRun:
    spec = ScoreSpec.from_preset("balanced", as_of="2026-06-30", mc_draws=100)
    return run_scenarios(engine_for(open_store()), spec, parse_scenarios("diffusion-tiers"))


def test_bundled_diffusion_tiers(bundled: ScenarioRun, datasets_dir: Path) -> None:
    tiers = pd.read_parquet(datasets_dir / "diffusion_tiers.parquet")
    tier3 = set(tiers.loc[tiers["tier"] == "3", "iso3"])
    t = bundled.table.set_index("iso3")
    scored = tier3 & set(t.index)
    assert scored, "no tier 3 country is scored"
    assert not t.loc[sorted(scored), "eligible"].any()
    # Tier 1 countries lose nothing; the rest of the ranking is what moves.
    tier1 = sorted(set(tiers.loc[tiers["tier"] == "1", "iso3"]) & set(t.index))
    assert (t.loc[tier1, "penalty"] == 0).all()


def test_bundled_no_scenario_matches_the_engine(datasets_dir: Path) -> None:
    spec = ScoreSpec.from_preset("balanced", as_of="2026-06-30", mc_draws=50)
    mine = run_scenarios(engine_for(open_store()), spec, ()).after.table
    theirs = engine_for(open_store()).score(spec).table
    pd.testing.assert_frame_equal(mine, theirs)


# -- the page's state in the URL -----------------------------------------------------------------
SCENARIO_TEXTS = st.sampled_from(
    [
        "diffusion-tiers",
        "diffusion-tiers:penalty=5",
        "d5-in:iso3=VNM+IDN",
        "d5-out:iso3=KHM",
        "alignment-shock:target=brics,shift=-1.5",
        "demand-growth:target=Asia,factor=1.3",
        "financing-tightens:notches=2,weight=2,target=Africa",
    ]
)
VIEWS = st.builds(
    lambda scs, short, top, budget, maxc, maxr, minfin, ra, tail: ScenarioView(
        scenarios=parse_scenarios("|".join(scs)),
        shortlist=tuple(dict.fromkeys(short)),
        top_n=top,
        budget=budget,
        limits=Limits(
            max_share=maxc / 100,
            max_region_share=maxr / 100,
            min_financial=minfin,
            risk_aversion=ra,
            tail=tail / 100,
        ),
    ),
    st.lists(SCENARIO_TEXTS, max_size=3, unique=True),
    st.lists(st.sampled_from(["JPN", "DEU", "IND", "VNM", "SGP"]), max_size=4),
    st.integers(1, 50),
    st.sampled_from([1.0, 100.0, 2500.5, 1e6]),
    st.integers(1, 100),
    st.integers(1, 100),
    st.sampled_from([0.0, 35.0, 60.5]),
    st.sampled_from([0.0, 0.25, 0.5, 1.0]),
    st.integers(1, 100),
)


@settings(max_examples=100)
@given(VIEWS)
def test_view_round_trips_through_the_url(v: ScenarioView) -> None:
    back, warns = ScenarioView.from_query(v.to_query())
    assert warns == []
    assert back == v


@settings(max_examples=100)
@given(VIEWS)
def test_view_round_trips_through_the_widgets(v: ScenarioView) -> None:
    kinds = [s.kind for s in v.scenarios]
    if len(set(kinds)) < len(kinds):  # the page shows one scenario of each kind
        v = replace(v, scenarios=tuple({s.kind: s for s in v.scenarios}.values()))
    assert view_from_widgets(widget_state(v)) == v


def test_default_view_is_an_empty_query() -> None:
    assert ScenarioView().to_query() == {}
    assert ScenarioView.from_query({}) == (ScenarioView(), [])


@pytest.mark.parametrize(
    ("params", "warned"),
    [
        ({"sc": "tier-caps"}, "sc"),
        ({"maxc": "0"}, "maxc"),
        ({"ra": "2"}, "ra"),
        ({"budget": "lots"}, "budget"),
        ({"tail": "-5"}, "tail"),
    ],
)
def test_damaged_query_falls_back_with_a_warning(params: dict, warned: str) -> None:
    v, warns = ScenarioView.from_query(params)
    assert v == ScenarioView()
    assert warns and warns[0].startswith(warned)
