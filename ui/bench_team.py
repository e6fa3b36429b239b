"""`python -m ui.bench_team SESSIONS CHANGES`: one app server's share of the team benchmark. SESSIONS
overview sessions (AppTest, one thread each, sharing this process's caches like a server's sessions)
change a weight CHANGES times at once; prints every server-side rerun time (ms) as JSON. The store
comes from RISK_STORE / RISK_STORE_DATA_PATH."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def session(index: int, changes: int, start: threading.Barrier, out: list[float]) -> None:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
    at.run()
    start.wait()
    for i in range(changes):
        began = time.perf_counter()
        at.slider(key="w_gov_support").set_value(20 + (index * changes + i) % 60).run()
        out.append((time.perf_counter() - began) * 1000)
        if at.exception:
            raise RuntimeError(at.exception[0].message)


if __name__ == "__main__":
    sessions, changes = int(sys.argv[1]), int(sys.argv[2])
    times: list[float] = []
    barrier = threading.Barrier(sessions)
    threads = [
        threading.Thread(target=session, args=(i, changes, barrier, times)) for i in range(sessions)
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    print(json.dumps(times))
