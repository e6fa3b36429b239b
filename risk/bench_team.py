"""The team benchmarks: two app servers over one DuckLake store on a throwaway PostgreSQL server.

`team_publish_visible_s`: a publish through one server's store connection until the other
server's connection answers the new current version (its `data_version`, which every page and the
sidebar read, with the default poll delay). `team_rerun_p95_ms`: 25 overview sessions spread over
two server processes change a weight at the same time; the 95th percentile of the server-side
rerun. Skipped, with the reason on stderr, when PostgreSQL's binaries are missing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from risk.errors import RiskError
from risk.paths import PROJECT_ROOT
from risk.store.ducklake import DuckLakeStore
from risk.store.local_postgres import LocalPostgres, postgres_available

SESSIONS = 25
CHANGES = 4  # weight changes per session


def team_bench() -> dict[str, float]:
    if not postgres_available():
        print(
            "team benchmarks skipped: PostgreSQL 15 is not installed "
            "(`bash scripts/install.sh --system`)",
            file=sys.stderr,
        )
        return {}
    with tempfile.TemporaryDirectory() as tmp, LocalPostgres() as pg:
        lake = Path(tmp) / "lake"
        a = DuckLakeStore(pg.attach, lake)
        b = DuckLakeStore(pg.attach, lake)
        before = b.data_version
        obs = a.table("observations").head(200).assign(value=lambda d: d["value"] * 1.01)
        started = time.perf_counter()
        a.publish(obs, author="bench", note="team benchmark")
        while b.data_version == before:
            time.sleep(0.01)
        visible = time.perf_counter() - started
        env = {
            **os.environ,
            "RISK_STORE": pg.attach,
            "RISK_STORE_DATA_PATH": str(lake),
            "PYTHONPATH": str(PROJECT_ROOT),
        }
        share = [SESSIONS // 2 + SESSIONS % 2, SESSIONS // 2]
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "ui.bench_team", str(n), str(CHANGES)],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in share
        ]
        times: list[float] = []
        for proc in procs:
            out, err = proc.communicate(timeout=1800)
            if proc.returncode != 0:
                raise RiskError(f"team benchmark server failed: {err[-2000:]}")
            times += json.loads(out.strip().splitlines()[-1])
    return {
        "team_publish_visible_s": round(visible, 2),
        "team_rerun_p95_ms": round(float(np.percentile(pd.Series(times), 95)), 1),
    }
