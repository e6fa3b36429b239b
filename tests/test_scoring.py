"""The scoring pipeline on hand-made tables, worked by hand, and on the bundled data."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "scoring"))
import tiny  # noqa: E402

from risk.cli import main
from risk.errors import RiskError
from risk.paths import DATASETS_DIR  # noqa: E402
from risk.scoring.baseline import baseline_score
from risk.scoring.engine import ScoringEngine, engine_for
from risk.scoring.explain import explain
from risk.scoring.result import result_table
from risk.scoring.steps import impute, normalise, rank_desc, rankable_mask, treat_outliers
from risk.spec import ScoreSpec  # noqa: E402
from risk.store.embedded import open_store


def spec(**kw: object) -> ScoreSpec:
    base: dict[str, object] = {"as_of": tiny.AS_OF, "mc_draws": 0}
    base.update(kw)
    return ScoreSpec(**base)  # type: ignore[arg-type]


def by_iso(result_table_: pd.DataFrame, col: str) -> dict[str, float]:
    return dict(zip(result_table_["iso3"], result_table_[col], strict=True))


# Worked by hand: x1 -> A 0, B 50, C 100; x2 (lower is better) -> A 0, B 100, C 50;
# x3 -> A 50, B 100, C 0. gov = mean(x1, x2); financial = x3; two pillars with equal weight.
@pytest.mark.parametrize(
    ("aggregation", "expected", "ranks"),
    [
        ("arithmetic", {"AAA": 25.0, "BBB": 87.5, "CCC": 37.5}, {"AAA": 3, "BBB": 1, "CCC": 2}),
        (
            # geometric, inputs floored at 1: gov A = 1, B = C = sqrt(50 * 100); fin C = 1
            "geometric",
            {
                "AAA": (1.0 * 50.0) ** 0.5,
                "BBB": ((50.0 * 100.0) ** 0.5 * 100.0) ** 0.5,
                "CCC": ((100.0 * 50.0) ** 0.5 * 1.0) ** 0.5,
            },
            {"AAA": 3, "BBB": 1, "CCC": 2},
        ),
    ],
)
def test_hand_worked_scores(aggregation: str, expected: dict[str, float], ranks: dict) -> None:
    res = tiny.engine(tiny.HAND).score(spec(aggregation=aggregation, outliers="none"))
    got = by_iso(res.table, "score")
    for iso, value in expected.items():
        assert got[iso] == pytest.approx(value, abs=1e-9)
    assert by_iso(res.table, "rank") == ranks
    assert by_iso(res.table, "gov_support")["BBB"] == pytest.approx(
        75.0 if aggregation == "arithmetic" else (50.0 * 100.0) ** 0.5
    )
    assert np.isnan(res.table["compute_demand"]).all()  # no indicators: pillar absent


def test_indicator_weights_from_spec_override_framework() -> None:
    # x3 weight 4 changes nothing inside a one-indicator pillar; gov weight 3 does:
    # A = (3*0 + 50)/4 = 12.5, B = (3*75 + 100)/4 = 81.25, C = (3*75 + 0)/4 = 56.25
    eng = tiny.engine(tiny.HAND)
    res = eng.score(ScoreSpec.from_preset("tilted", tiny.framework(), as_of=tiny.AS_OF, mc_draws=0))
    assert by_iso(res.table, "score") == pytest.approx({"AAA": 12.5, "BBB": 81.25, "CCC": 56.25})


@pytest.mark.parametrize(
    ("method", "column", "expected"),
    [
        ("minmax", [0.0, 5.0, 10.0], [0.0, 50.0, 100.0]),
        ("rank", [3.0, 1.0, 2.0], [100.0, 0.0, 50.0]),
        ("rank", [1.0, 1.0, 2.0], [25.0, 25.0, 100.0]),  # ties share the average rank
        ("zscore", [0.0, 0.0, 3.0], [50 - 10 / 2**0.5, 50 - 10 / 2**0.5, 50 + 20 / 2**0.5]),
        ("minmax", [4.0, 4.0, 4.0], [50.0, 50.0, 50.0]),
        ("goalposts", [0.0, 10.0, 20.0], [0.0, 50.0, 100.0]),
    ],
)
def test_normalise(method: str, column: list[float], expected: list[float]) -> None:
    out = normalise(np.array(column)[:, None], np.array([1.0]), method)[:, 0]
    assert out == pytest.approx(expected)


def test_normalise_flips_lower_is_better_and_keeps_gaps() -> None:
    out = normalise(np.array([[0.0], [np.nan], [10.0]]), np.array([-1.0]), "minmax")[:, 0]
    assert out[0] == 100.0 and out[2] == 0.0 and np.isnan(out[1])


def test_impute_uses_group_then_wider_medians() -> None:
    # Rows 0-3 share a cell (3 peers observed -> cell median 2); row 4 is alone in its cell and
    # its income group, so the overall median (3) fills it.
    values = np.array([[1.0], [2.0], [3.0], [np.nan], [np.nan], [9.0]])
    groups = np.array([[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [1, 1, 1], [2, 2, 2]])
    out = impute(values, groups, "group_median")[:, 0]
    assert out[3] == 2.0
    assert out[4] == 2.5  # overall median of 1, 2, 3, 9
    assert np.isnan(impute(values, groups, "none")[3, 0])


def test_treat_outliers_winsorises_a_single_extreme_value() -> None:
    col = np.concatenate([np.linspace(0, 1, 30), [100.0]])[:, None]
    t = treat_outliers(col, "winsorise")
    assert t.method[0] == "winsorised"
    assert t.values[-1, 0] == 1.0 and t.winsorised[-1, 0]
    assert treat_outliers(col, "none").values[-1, 0] == 100.0


def test_rank_desc_shares_ties_and_skips_unrankable() -> None:
    scores = np.array([[5.0], [7.0], [7.0], [1.0], [9.0]])
    ranks = rank_desc(scores, np.array([True, True, True, True, False]))[:, 0]
    assert ranks[:4].tolist() == [3.0, 1.0, 1.0, 4.0] and np.isnan(ranks[4])


def test_low_coverage_is_flagged_and_not_ranked() -> None:
    values = {k: dict(v) for k, v in tiny.HAND.items()}
    values["CCC"]["t.x3"] = None  # CCC observes half the index weight
    res = tiny.engine(values).score(spec())
    row = res.table.set_index("iso3").loc["CCC"]
    assert row["coverage"] == pytest.approx(0.5)
    assert row["reason"] == "low coverage" and np.isnan(row["rank"]) and row["eligible"]
    assert row["imputed"] == 1
    flagged = tiny.engine(values).score(spec(low_coverage="flag")).table.set_index("iso3")
    assert flagged.loc["CCC", "low_coverage"] and not np.isnan(flagged.loc["CCC", "rank"])


def test_gated_country_keeps_its_score_but_has_no_rank() -> None:
    eng = tiny.engine(tiny.HAND, controls=[("BBB", "E:1", None, None, "listed")])
    t = eng.score(spec()).table.set_index("iso3")
    assert not t.loc["BBB", "eligible"] and t.loc["BBB", "reason"] == "EAR E:1"
    assert np.isnan(t.loc["BBB", "rank"])
    assert t.loc["CCC", "rank"] == 1 and t.loc["AAA", "rank"] == 2


def test_d_group_penalty_costs_points() -> None:
    eng = tiny.engine(tiny.HAND, controls=[("BBB", "D:1", None, None, "listed")])
    t = eng.score(spec(d_group_penalty=60.0)).table.set_index("iso3")
    assert t.loc["BBB", "score"] == pytest.approx(27.5)
    assert t.loc["BBB", "rank"] == 2 and t.loc["BBB", "ear_groups"] == "D:1"


@pytest.mark.parametrize("aggregation", ["arithmetic", "geometric"])
@pytest.mark.parametrize("iso", ["AAA", "BBB", "CCC"])
def test_explain_accounts_for_every_point(aggregation: str, iso: str) -> None:
    eng = tiny.engine(tiny.HAND, controls=[("CCC", "D:3", None, None, "listed")])
    res = eng.score(spec(aggregation=aggregation, d_group_penalty=5.0))
    lines = explain(res, iso)
    score = float(res.table.set_index("iso3").loc[iso, "score"])
    assert lines["contribution"].sum() == pytest.approx(score, abs=1e-9)
    assert set(lines["code"]) >= {"t.x1", "t.x2", "t.x3"}
    assert lines.loc[lines["code"] != "penalty", "weight"].sum() == pytest.approx(1.0)


def test_explain_rejects_unknown_country() -> None:

    res = tiny.engine(tiny.HAND).score(spec())
    with pytest.raises(RiskError, match="not a scored country"):
        explain(res, "ZZZ")


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"aggregation": "geometric", "normalisation": "rank"},
        {"imputation": "none", "normalisation": "zscore"},
        {"normalisation": "goalposts"},
    ],
)
def test_baseline_matches_vectorised(kw: dict) -> None:
    values = {k: dict(v) for k, v in tiny.HAND.items()}
    values["DDD"] = {"t.x1": 7.0, "t.x2": None, "t.x3": 4.0}
    values["EEE"] = {"t.x1": 1.0, "t.x2": 2.0, "t.x3": 8.0}
    res = tiny.engine(values).score(spec(**kw))
    gates = res.steps["gates"]
    ok = rankable_mask(res.spec, gates, res.steps["core"].screen.country_coverage)
    base = baseline_score(res.prepared, res.spec, gates, ok)
    assert np.allclose(base["score"].to_numpy(), res.table["score"].to_numpy(), atol=1e-9)
    assert base["rank"].fillna(-1).tolist() == res.table["rank"].fillna(-1).tolist()


def test_result_table_is_in_rank_order_with_required_columns() -> None:
    t = result_table(tiny.engine(tiny.HAND).score(spec()))
    assert list(t.columns[:16]) == [
        "iso3", "name_en", "name_zh_tw", "score", "rank", "eligible", "reason",
        "gov_support", "compute_demand", "alignment", "financial",
        "rank_p05", "rank_median", "rank_p95", "coverage", "coverage_gov_support",
    ]  # fmt: skip
    assert t["iso3"].tolist() == ["BBB", "CCC", "AAA"]
    assert (t["data_version"] == "test-1").all()


def test_data_age_limits_what_counts() -> None:
    # Observations are dated 2025 with a 5-year limit: from 2031 on, nothing is fresh enough.
    res = tiny.engine(tiny.HAND).score(spec(as_of="2031-01-01"))
    assert res.table["rank"].isna().all()
    assert any("left out" in w for w in res.warnings)
    # ...and before 2025 the values do not exist yet.
    assert tiny.engine(tiny.HAND).score(spec(as_of="2024-12-31")).table["rank"].isna().all()


def test_spec_made_on_other_data_warns() -> None:
    res = tiny.engine(tiny.HAND).score(spec(data_version="older"))
    assert res.spec.data_version == "test-1"
    assert any("older" in w for w in res.warnings)


needs_data = pytest.mark.skipif(
    not (DATASETS_DIR / "observations.parquet").exists(), reason="bundled data not built"
)


@needs_data
def test_bundled_balanced_ranking() -> None:

    res = engine_for(open_store()).score(
        ScoreSpec.from_preset("balanced", as_of="2026-11-27", mc_draws=200)
    )
    t = res.table.set_index("iso3")
    assert not res.warnings
    for iso in ("CHN", "HKG", "MAC", "RUS", "IRN", "PRK", "TWN"):
        assert not t.loc[iso, "eligible"] and np.isnan(t.loc[iso, "rank"])
    assert t.loc["TWN", "reason"] == "home"
    ranked = t[t["rank"].notna()]
    assert len(ranked) > 150
    assert (ranked["rank_p05"] <= ranked["rank_median"]).all()
    assert (ranked["rank_median"] <= ranked["rank_p95"]).all()
    assert ranked[["gov_support", "compute_demand", "alignment", "financial"]].notna().all().all()
    # Cambodia left D:5 on 2026-02-03: a target now, not in 2025.
    assert t.loc["KHM", "eligible"]
    old = (
        engine_for(open_store())
        .score(ScoreSpec(as_of="2025-06-01", mc_draws=0))
        .table.set_index("iso3")
    )
    assert not old.loc["KHM", "eligible"] and old.loc["KHM", "reason"] == "EAR D:5"


@needs_data
def test_cli_score_csv_and_explain(capsys: pytest.CaptureFixture[str]) -> None:
    from io import StringIO

    assert main(["score", "--preset", "balanced", "--format", "csv", "--mc", "50"]) == 0
    out = pd.read_csv(StringIO(capsys.readouterr().out))
    for col in ("iso3", "score", "rank", "eligible", "reason", "gov_support", "compute_demand",
                "alignment", "financial", "rank_p05", "rank_p95", "coverage"):  # fmt: skip
        assert col in out.columns
    assert out["iso3"].is_unique and out.loc[0, "rank"] == 1
    assert main(["explain", "sgp", "--format", "csv"]) == 0
    lines = pd.read_csv(StringIO(capsys.readouterr().out))
    score = out.set_index("iso3").loc["SGP", "score"]
    assert lines["contribution"].sum() == pytest.approx(score, abs=1e-4)
    assert main(["score", "--weights", "bogus=1"]) == 2


def test_uploaded_framework_rows_join_the_score() -> None:

    values = {k: {**v, "u.new": float(i)} for i, (k, v) in enumerate(tiny.HAND.items())}
    base = tiny.inputs(values)
    fw = tiny.framework()
    row = fw.indicators.iloc[[0]].copy()
    row["code"], row["pillar"], row["weight"] = "u.new", "compute_demand", 1.0
    inputs = type(base)(**{**base.__dict__, "framework_overrides": row})
    eng = ScoringEngine(inputs, fw)
    assert "u.new" in eng.framework.codes
    t = eng.score(spec()).table.set_index("iso3")
    # compute_demand now exists: AAA 0, BBB 50, CCC 100 on u.new.
    assert t["compute_demand"].to_dict() == pytest.approx({"AAA": 0.0, "BBB": 50.0, "CCC": 100.0})


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6)), min_size=3, max_size=3),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from([5.0, 50.0, 95.0]),
)
def test_vectorised_percentiles_match_the_column_by_column_reference(rows, q) -> None:  # type: ignore[no-untyped-def]
    import warnings

    import pandas as pd

    from risk.scoring.steps import _nanpercentile_cols, _percentile_rank

    x = np.array([[np.nan if v is None else v for v in r] for r in rows], dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanpercentile(x, q, axis=0)
    assert np.allclose(_nanpercentile_cols(x, q), expected, equal_nan=True)
    ranks = _percentile_rank(x)
    for j in range(x.shape[1]):
        col = pd.Series(x[:, j])
        m = int(col.notna().sum())
        ref = (
            (col.rank(method="average") - 1) / (m - 1) * 100
            if m > 1
            else col.where(col.isna(), 50.0)
        )
        assert np.allclose(ranks[:, j], ref.to_numpy(dtype=float), equal_nan=True)
