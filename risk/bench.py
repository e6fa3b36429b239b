"""Benchmarks: a small registry; `python -m risk bench` runs them all and prints one JSON object.

An area adds its own measurements with `register_bench(name, fn)`, where `fn()` returns a dict of
metric name -> value (medians, in the unit the name states). Modules that register benchmarks are
listed in BENCH_MODULES so the command finds them without importing the whole library.
"""

from __future__ import annotations

import importlib
import statistics
import time
from collections.abc import Callable
from datetime import date

BenchFn = Callable[[], dict[str, float]]
_BENCHES: dict[str, BenchFn] = {}
BENCH_MODULES: list[str] = ["risk.bench", "risk.allocation", "risk.overview"]


def register_bench(name: str, fn: BenchFn) -> None:
    """Add a benchmark; a second registration under the same name replaces the first."""
    _BENCHES[name] = fn


def registered() -> dict[str, BenchFn]:
    for module in BENCH_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    return dict(_BENCHES)


def median_time(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of `repeats` calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_all(only: list[str] | None = None) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, fn in registered().items():
        if only and name not in only:
            continue
        out.update(fn())
    return out


# -- the scoring engine's own benchmarks ---------------------------------------------------
QUICK = {"score": 21, "mc": 3, "base_score": 3, "base_mc_draws": 20, "base_mc": 1}


def scoring_bench(settings: dict[str, int] | None = None) -> dict[str, float]:
    """Full pipeline and 10,000 Monte Carlo draws, vectorised and row-by-row, on the bundled data."""
    from risk.baseline import baseline_monte_carlo, baseline_score
    from risk.gates import apply_gates
    from risk.robustness import monte_carlo
    from risk.scoring import engine, rankable_mask, score_prepared
    from risk.spec import ScoreSpec

    cfg = {**QUICK, **(settings or {})}
    eng = engine()
    spec, _ = eng.resolve(ScoreSpec.from_preset("balanced", as_of=date.today().isoformat()))
    as_of = date.fromisoformat(spec.as_of)
    prep_s = median_time(lambda: eng.prepared(as_of.year), 1)  # first call builds the matrix
    prep = eng.prepared(as_of.year)

    def full() -> object:
        gates = apply_gates(
            prep.iso3,
            eng.inputs.export_controls,
            as_of,
            include_conflicts=spec.include_conflicts,
            diffusion_tiers=eng.inputs.diffusion_tiers,
            scenario=spec.scenario,
        )
        return score_prepared(prep, spec, gates)

    score_s = median_time(full, cfg["score"])
    result = full()
    assert hasattr(result, "steps")
    mc_s = median_time(lambda: monte_carlo(result, 10_000), cfg["mc"])  # type: ignore[arg-type]
    gates = result.steps["gates"]  # type: ignore[attr-defined]
    rankable = rankable_mask(spec, gates, result.steps["core"].screen.country_coverage)  # type: ignore[attr-defined]
    base_s = median_time(lambda: baseline_score(prep, spec, gates, rankable), cfg["base_score"])
    n = cfg["base_mc_draws"]
    base_mc_s = median_time(
        lambda: baseline_monte_carlo(prep, spec, gates, rankable, n), cfg["base_mc"]
    )
    base_mc_10k = base_mc_s * 10_000 / n  # the row-by-row loop is linear in draws
    return {
        "countries": float(len(prep.iso3)),
        "indicators": float(len(prep.codes)),
        "prepare_ms": round(prep_s * 1000, 3),
        "score_all_ms": round(score_s * 1000, 3),
        "monte_carlo_10k_s": round(mc_s, 4),
        "score_all_ms_baseline": round(base_s * 1000, 3),
        "monte_carlo_10k_s_baseline": round(base_mc_10k, 2),
        "monte_carlo_baseline_draws_timed": float(n),
        "score_all_speedup": round(base_s / score_s, 1),
        "monte_carlo_speedup": round(base_mc_10k / mc_s, 1),
    }


register_bench("scoring", scoring_bench)
