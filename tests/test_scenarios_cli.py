"""`python -m risk scenario` and `python -m risk allocate` on the bundled data."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from risk.bench import BENCHMARKS
from risk.cli import main

SCORING_COLUMNS = [
    "iso3",
    "score",
    "rank",
    "eligible",
    "reason",
    "gov_support",
    "compute_demand",
    "alignment",
    "financial",
    "rank_p05",
    "rank_p95",
    "coverage",
]
SHORTLIST = "USA,JPN,DEU,IND,VNM,SGP,ARE,SAU"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_scenario_csv_has_scoring_columns_and_rank_change(
    capsys: pytest.CaptureFixture[str], datasets_dir: Path
) -> None:
    code, out, _ = run(capsys, "scenario", "diffusion-tiers", "--mc", "50")
    assert code == 0
    table = pd.read_csv(io.StringIO(out), keep_default_na=False, na_values=[""])
    score_code, score_out, _ = run(capsys, "score", "--mc", "50")
    assert score_code == 0
    scoring_header = score_out.splitlines()[0].split(",")
    assert list(table.columns) == [*scoring_header, "rank_before", "rank_change"]
    assert set(SCORING_COLUMNS) <= set(table.columns)
    tiers = pd.read_parquet(datasets_dir / "diffusion_tiers.parquet")
    tier3 = set(tiers.loc[tiers["tier"] == "3", "iso3"]) & set(table["iso3"])
    assert not table.set_index("iso3").loc[sorted(tier3), "eligible"].any()
    ranked = table.dropna(subset=["rank", "rank_before"])
    assert (ranked["rank_change"] == ranked["rank_before"] - ranked["rank"]).all()


def test_scenario_json_and_composition(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "scenario",
        "d5-in:iso3=VNM",
        "financing-tightens:notches=2",
        "--mc",
        "0",
        "--format",
        "json",
    )
    assert code == 0
    data = json.loads(out)
    assert data["scenarios"] == ["d5-in:iso3=VNM", "financing-tightens:notches=2"]
    rows = {r["iso3"]: r for r in data["rows"]}
    assert rows["VNM"]["eligible"] is False and rows["VNM"]["reason"] == "EAR D:5"
    assert data["spec"]["pillar_weights"]["financial"] > data["spec"]["pillar_weights"]["alignment"]
    assert any(m["iso3"] == "VNM" for m in data["movers"])


def test_scenario_errors_are_readable(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "scenario", "tier-caps", "--mc", "0")
    assert code == 2
    assert "unknown scenario 'tier-caps'" in err


def test_allocate_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "allocate",
        "--shortlist",
        SHORTLIST,
        "--budget",
        "1000",
        "--max-share",
        "0.3",
        "--draws",
        "200",
        "--stress",
        "diffusion-tiers",
        "--format",
        "json",
    )
    assert code == 0
    data = json.loads(out)
    alloc = data["allocation"]
    assert set(alloc) == set(SHORTLIST.split(","))
    assert sum(alloc.values()) == pytest.approx(1000)
    assert max(alloc.values()) <= 300 + 1e-6
    assert data["worst_case"] <= data["expected_score"] + 1e-9
    assert set(data["by_state"]) == {"current", "diffusion-tiers"}


def test_allocate_table_and_infeasible(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "allocate", "--top", "5", "--budget", "10", "--max-share", "0.5", "--draws", "50"
    )
    assert code == 0
    assert "expected_score" in out and "worst_case" in out
    code, _, err = run(
        capsys,
        "allocate",
        "--shortlist",
        "USA,JPN",
        "--budget",
        "10",
        "--max-share",
        "0.3",
        "--draws",
        "50",
    )
    assert code == 2
    assert "max share per country binds" in err


def test_allocate_takes_a_minimum_number_of_markets_and_says_why(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["allocate", "--top", "8", "--budget", "100", "--draws", "50"]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert "At the per-country cap (40%)" in out and "Nothing for" in out
    code, out, _ = run(
        capsys, *argv, "--min-markets", "6", "--min-stake", "0.08", "--format", "json"
    )
    assert code == 0
    data = json.loads(out)
    funded = [c for c, a in data["allocation"].items() if a > 0]
    assert len(funded) >= 6 and min(data["shares"][c] for c in funded) >= 0.08 - 1e-6
    assert data["limits"]["min_markets"] == 6
    assert set(data["explanation"]) >= {"at_country_cap", "at_min_stake", "rest", "unfunded"}
    code, _, err = run(capsys, *argv, "--min-markets", "9")
    assert code == 2 and "only 8 in the shortlist" in err


def test_allocation_bench_is_registered() -> None:
    assert "allocation" in BENCHMARKS
