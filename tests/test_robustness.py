"""Properties of the scores and the robustness analysis, on small generated worlds."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "scoring"))
import tiny  # noqa: E402

from risk.scoring.robustness import correlations, drop_one, monte_carlo, rank_percentiles
from risk.spec import ScoreSpec  # noqa: E402

CODES = ("t.x1", "t.x2", "t.x3")
value = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def worlds(draw: st.DrawFn, min_size: int = 3, max_size: int = 9) -> dict:
    n = draw(st.integers(min_size, max_size))
    return {f"C{i:02d}": {c: draw(value) for c in CODES} for i in range(n)}


methods = st.fixed_dictionaries(
    {
        "normalisation": st.sampled_from(["minmax", "rank", "zscore"]),
        "aggregation": st.sampled_from(["arithmetic", "geometric"]),
    }
)


def spec(**kw: object) -> ScoreSpec:
    base: dict[str, object] = {"as_of": tiny.AS_OF, "mc_draws": 0, "outliers": "none"}
    base.update(kw)
    return ScoreSpec(**base)  # type: ignore[arg-type]


@SETTINGS
@given(worlds(), methods, st.data())
def test_improving_a_positive_indicator_never_lowers_the_score(world, m, data) -> None:
    iso = data.draw(st.sampled_from(sorted(world)))
    code = data.draw(st.sampled_from(["t.x1", "t.x3"]))  # direction +1
    step = data.draw(st.floats(min_value=0.001, max_value=500))
    before = tiny.engine(world).score(spec(**m)).table.set_index("iso3").loc[iso, "score"]
    better = {k: dict(v) for k, v in world.items()}
    better[iso][code] += step
    after = tiny.engine(better).score(spec(**m)).table.set_index("iso3").loc[iso, "score"]
    assert after >= before - 1e-9


@SETTINGS
@given(worlds(), methods, st.sampled_from([0.25, 0.5, 2.0, 8.0]))
def test_scaling_all_weights_leaves_ranks_unchanged(world, m, factor) -> None:
    eng = tiny.engine(world)
    base = spec(**m)
    scaled = base.replace(
        pillar_weights=tuple((p, w * factor) for p, w in base.pillar_weights),
        indicator_weights=(("t.x1", factor), ("t.x2", factor), ("t.x3", 2 * factor)),
    )
    r1 = eng.score(base).table["rank"].to_numpy()
    r2 = eng.score(scaled).table["rank"].to_numpy()
    assert np.array_equal(r1, r2, equal_nan=True)


@SETTINGS
@given(worlds(min_size=4), st.data())
def test_an_ineligible_country_is_never_ranked(world, data) -> None:
    banned = data.draw(st.sampled_from(sorted(world)))
    group = data.draw(st.sampled_from(["D:5", "E:1", "E:2"]))
    eng = tiny.engine(world, controls=[(banned, group, None, None, "listed")])
    res = eng.score(spec(mc_draws=30, seed=data.draw(st.integers(0, 99))))
    row = res.table.set_index("iso3").loc[banned]
    assert not row["eligible"]
    assert np.isnan(row[["rank", "rank_p05", "rank_median", "rank_p95"]].astype(float)).all()
    assert np.isnan(res.steps["monte_carlo"].ranks[list(res.prepared.iso3).index(banned)]).all()
    ranked = res.table["rank"].dropna()
    assert sorted(ranked.unique())[0] == 1 and ranked.max() <= len(world) - 1


@SETTINGS
@given(worlds(), methods, st.integers(0, 2**16))
def test_intervals_are_ordered(world, m, seed) -> None:
    res = tiny.engine(world).score(spec(mc_draws=50, seed=seed, **m))
    t = res.table.dropna(subset=["rank"])
    assert (t["rank_p05"] <= t["rank_median"]).all()
    assert (t["rank_median"] <= t["rank_p95"]).all()
    assert ((t["rank_p05"] >= 1) & (t["rank_p95"] <= len(t))).all()


@SETTINGS
@given(worlds(), methods)
def test_intervals_collapse_without_noise(world, m) -> None:
    res = tiny.engine(world).score(spec(mc_draws=40, weight_noise=0.0, vary_methods=False, **m))
    t = res.table
    for col in ("rank_p05", "rank_median", "rank_p95"):
        assert np.array_equal(t[col].to_numpy(), t["rank"].to_numpy(), equal_nan=True)


@SETTINGS
@given(worlds(), st.integers(0, 2**31))
def test_same_spec_and_seed_give_identical_output(world, seed) -> None:
    s = spec(mc_draws=60, seed=seed, outliers="winsorise")
    a = tiny.engine(world).score(s).table
    b = tiny.engine(world).score(ScoreSpec.from_url(s.to_url())).table
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_different_seeds_give_different_draws() -> None:
    world = {f"C{i}": {"t.x1": i, "t.x2": (i * 7) % 5, "t.x3": (i * 3) % 4} for i in range(8)}
    eng = tiny.engine(world)
    a = eng.score(spec(mc_draws=200, seed=1)).steps["monte_carlo"].ranks
    b = eng.score(spec(mc_draws=200, seed=2)).steps["monte_carlo"].ranks
    assert not np.array_equal(a, b, equal_nan=True)


def test_monte_carlo_methods_are_drawn_from_the_full_menu() -> None:
    res = tiny.engine(tiny.HAND).score(spec(mc_draws=0))
    mc = monte_carlo(res, 400)
    assert set(mc.methods["normalisation"]) == {"minmax", "zscore", "rank", "goalposts"}
    assert set(mc.methods["aggregation"]) == {"arithmetic", "geometric"}


@given(
    draws=st.integers(1, 1200),
    countries=st.integers(1, 40),
    places=st.integers(1, 40),
    seed=st.integers(0, 2**32 - 1),
    qs=st.sampled_from([(5, 50, 95), (0, 100), (2.5, 97.5), (10, 25, 75, 90)]),
)
@SETTINGS
def test_rank_percentiles_are_numpys_to_the_last_bit(
    draws: int, countries: int, places: int, seed: int, qs: tuple[float, ...]
) -> None:
    # ranks with ties (places < countries) and gaps, as competition ranks have
    ranks = np.random.default_rng(seed).integers(1, places + 1, size=(draws, countries)) * 1.0
    expected = np.percentile(ranks, qs, axis=0)
    assert np.array_equal(rank_percentiles(ranks, qs), expected)


def test_rank_percentiles_refuse_what_they_cannot_count() -> None:
    for ranks in ([[1.5, 2.5], [2.5, 1.5]], [[0.0, 1.0]], [[-1.0, 2.0]]):
        with pytest.raises(ValueError, match="whole-number ranks"):
            rank_percentiles(np.array(ranks), (5, 50, 95))


def test_monte_carlo_intervals_are_numpys_percentiles_of_its_draws() -> None:
    world = {f"C{i}": {"t.x1": i, "t.x2": (i * 7) % 5, "t.x3": (i * 3) % 4} for i in range(12)}
    mc = monte_carlo(tiny.engine(world).score(spec()), 300)
    expected = np.percentile(mc.ranks, [5, 50, 95], axis=1)
    assert np.array_equal(np.vstack([mc.p05, mc.median, mc.p95]), expected, equal_nan=True)


def test_drop_one_measures_rank_shifts() -> None:
    # Without x3 (the only financial indicator) the financial pillar disappears:
    # scores become gov only: A 0, B 75, C 75 -> ranks A 3, B 1, C 1 (was B 1, C 2, A 3).
    res = tiny.engine(tiny.HAND).score(spec())
    audit = drop_one(res).set_index("code")
    assert audit.loc["t.x3", "max_shift"] == 1.0
    assert audit.loc["t.x3", "mean_abs_shift"] == pytest.approx(1 / 3)
    assert set(audit.index) == set(CODES)


def test_correlation_flags() -> None:
    n = 20
    base = np.arange(n, dtype=float)
    world = {
        f"C{i:02d}": {"t.x1": base[i], "t.x2": -base[i] * 2 + 1, "t.x3": (i * 7) % 11}
        for i in range(n)
    }
    res = tiny.engine(world).score(spec())
    corr, flags = correlations(res)
    # x2 is "lower is better": once normalised it moves exactly with x1 -> near duplicate.
    assert corr.loc["t.x1", "t.x2"] == pytest.approx(1.0)
    assert ((flags["flag"] == "near_duplicate") & (flags["a"] == "t.x1")).any()

    world_neg = {k: {**v, "t.x2": base[int(k[1:])] * 3} for k, v in world.items()}
    _, flags = correlations(tiny.engine(world_neg).score(spec()))
    assert ((flags["flag"] == "negative_within_pillar") & (flags["b"] == "t.x2")).any()
