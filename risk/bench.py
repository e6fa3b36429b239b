"""Benchmarks: `python -m risk bench` runs every benchmark listed in BENCHMARKS and prints one JSON
object of metric name -> value (medians, in the unit the name states).

This module is the top of the library's arrows: it imports whatever it measures, and nothing
imports it but the command line.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from risk.bench_browser import browser_bench, load_bench
from risk.bench_team import team_bench
from risk.errors import RiskError
from risk.filters import apply_filters
from risk.gates import apply_gates
from risk.paths import PROJECT_ROOT
from risk.scenarios.allocation import Allocation, Limits
from risk.scenarios.shortlist import allocation_inputs, top_eligible
from risk.scoring.baseline import baseline_monte_carlo, baseline_score
from risk.scoring.engine import engine_for, score_prepared
from risk.scoring.result import result_table
from risk.scoring.robustness import monte_carlo
from risk.scoring.steps import rankable_mask
from risk.share import Filters
from risk.spec import ScoreSpec
from risk.store import open_store
from risk.upload.matching import reference_from_store
from risk.upload.metadata import read_metadata
from risk.upload.publish import publish_report
from risk.upload.validate import check_upload

BenchFn = Callable[[], dict[str, float]]


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
    for name, fn in BENCHMARKS.items():
        if only and name not in only:
            continue
        out.update(fn())
    return out


# -- the scoring engine's own benchmarks ---------------------------------------------------
QUICK = {"score": 21, "mc": 3, "base_score": 3, "base_mc_draws": 20, "base_mc": 1}


def scoring_bench(settings: dict[str, int] | None = None) -> dict[str, float]:
    """Full pipeline and 10,000 Monte Carlo draws, vectorised and row-by-row, on the bundled data."""

    cfg = {**QUICK, **(settings or {})}
    eng = engine_for(open_store())
    spec, _ = eng.resolve(ScoreSpec.from_preset("balanced", as_of=date.today().isoformat()))
    as_of = date.fromisoformat(spec.as_of)
    prep_s = median_time(lambda: eng.prepared(as_of), 1)  # first call builds the matrix
    prep = eng.prepared(as_of)

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


# -- benchmark --------------------------------------------------------------------------------
BENCH_ROWS = 1_000_000


def write_bench_file(directory: Path, rows: int = BENCH_ROWS) -> tuple[Path, Path]:
    """A long CSV of `rows` synthetic values (new indicators bench.*) and their metadata file."""
    n_ind = 40
    iso3 = pd.read_parquet(
        Path(__file__).resolve().parent.parent / "datasets" / "countries.parquet", columns=["iso3"]
    )["iso3"].tolist()[:200]
    years = np.arange(1900, 2025)
    per = len(iso3) * len(years)
    n_ind = min(n_ind, -(-rows // per))
    rng = np.random.default_rng(0)
    country = np.tile(np.repeat(iso3, len(years)), n_ind)[:rows]
    year = np.tile(np.tile(years, len(iso3)), n_ind)[:rows]
    indicator = np.repeat([f"bench.i{i:02d}" for i in range(n_ind)], per)[:rows]
    value = rng.normal(50, 10, rows).round(3)
    path = directory / "bench_1m.csv"
    pd.DataFrame({"country": country, "indicator": indicator, "year": year, "value": value}).to_csv(
        path, index=False
    )
    meta = [
        {
            "code": f"bench.i{i:02d}",
            "name_en": f"Benchmark series {i}",
            "name_zh": f"效能測試序列 {i}",
            "unit": "index",
            "source": "synthetic",
            "licence": "CC0",
            "direction": "1",
            "weight": "0",
        }
        for i in range(n_ind)
    ]
    meta_path = directory / "bench_meta.json"
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    return path, meta_path


def _bench_child(file: str, meta: str) -> None:
    """Run in the child: create the store, then time validate + publish of the file."""

    store = open_store()
    start = time.perf_counter()
    data = Path(file).read_bytes()
    report = check_upload(
        data,
        Path(file).name,
        reference_from_store(store),
        metadata=read_metadata(Path(meta).read_bytes(), Path(meta).name),
    )
    if not report.ok:
        raise SystemExit(f"benchmark file invalid: {report.summary()['counts']}")
    publish_report(store, report, author="bench")
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "rows": report.rows_read}))


def import_bench() -> dict[str, float]:
    """import_1m_rows_s: validate + publish wall time; import_1m_rows_peak_mb: child's peak RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        file, meta = write_bench_file(Path(tmp))
        env = {**os.environ, "RISK_DATA_DIR": str(Path(tmp) / "data")}
        code = f"from risk.bench import _bench_child; _bench_child({str(file)!r}, {str(meta)!r})"
        log = Path(tmp) / "child.out"
        with open(log, "w") as fh:
            proc = subprocess.Popen(
                [sys.executable, "-c", code],
                env=env,
                stdout=fh,
                stderr=subprocess.STDOUT,
                cwd=Path(__file__).resolve().parent.parent,
            )
            # wait4 gives this child's own resource usage (ru_maxrss in KiB on Linux).
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
        text = log.read_text(encoding="utf-8", errors="replace")
        if proc.returncode != 0:
            raise RiskError(f"import benchmark failed: {text[-2000:]}")
        res = json.loads(text.strip().splitlines()[-1])
        peak_kb = usage.ru_maxrss
    return {
        "import_1m_rows_s": round(float(res["seconds"]), 2),
        "import_1m_rows_peak_mb": round(peak_kb / 1024, 1),
    }


# -- benchmark -----------------------------------------------------------------------------
BENCH_COUNTRIES = 30
BENCH_DRAWS = 1000


def allocation_bench() -> dict[str, float]:
    """One allocation over the top 30 eligible countries and 1,000 robustness draws of the bundled
    data (the draws are computed once, outside the timing)."""

    eng = engine_for(open_store())
    spec = ScoreSpec.from_preset("balanced", as_of=date.today().isoformat())
    table = eng.score(spec.replace(mc_draws=0), monte_carlo=False).table
    inputs = allocation_inputs(eng, spec, (), top_eligible(table, BENCH_COUNTRIES), BENCH_DRAWS)
    limits = Limits(max_share=0.1, max_region_share=0.5)

    def run() -> Allocation:
        return inputs.allocate(1.0, limits)

    run()  # warm-up: imports and first solver call
    return {"allocate_30x1000_s": round(median_time(run, 5), 4)}


def overview_bench() -> dict[str, float]:
    """`overview_rerun_ms` (AppTest, in a subprocess so the library never imports Streamlit) and
    `filter_query_ms` (the filters' DuckDB query on the ranked table)."""

    store = open_store()
    ranked = result_table(engine_for(store).score(ScoreSpec.from_preset("balanced")))
    filters = Filters(
        regions=("Asia", "Europe"),
        blocs=("oecd", "bri"),
        min_pillar=(("financial", 30.0),),
        min_coverage=0.5,
    )
    apply_filters(store, ranked, filters)  # builds the in-memory index once
    out: dict[str, float] = {
        "filter_query_ms": round(
            median_time(lambda: apply_filters(store, ranked, filters), 51) * 1000, 2
        )
    }
    proc = subprocess.run(
        [sys.executable, "-m", "ui.bench_overview"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    out.update(json.loads(proc.stdout.strip().splitlines()[-1]))
    return out


def far_cell_workbook() -> bytes:
    """A 5 KB workbook whose only cell is XFD1048576: read naively, a 17-billion-cell grid."""
    import openpyxl  # deferred: only this benchmark writes workbooks

    book = openpyxl.Workbook()
    book.active["XFD1048576"] = 1  # type: ignore[index]
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def upload_guard_bench() -> dict[str, float]:
    """`upload_guard_ms`: time for the upload entry point (`check_upload`) to refuse the far-cell
    workbook (the reference lists are built once, outside the timing)."""
    data = far_cell_workbook()
    ref = reference_from_store(open_store())

    def run() -> object:
        report = check_upload(data, "far.xlsx", ref)
        if report.ok:
            raise RiskError("the far-cell workbook was not refused")
        return report

    run()
    return {"upload_guard_ms": round(median_time(run, 21) * 1000, 2)}


# Every benchmark, in the order `python -m risk bench` runs them.
BENCHMARKS: dict[str, BenchFn] = {
    "scoring": scoring_bench,
    "import": import_bench,
    "allocation": allocation_bench,
    "overview": overview_bench,
    "upload_guard": upload_guard_bench,
    "browser": browser_bench,
    "load": load_bench,
    "team": team_bench,
}
