"""`python -m ui.bench_overview`: server-side rerun time of the overview page after a weight change,
measured with Streamlit's AppTest, printed as JSON (median over several distinct weight changes)."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from risk.present.maps import COUNTRY_LAYER_ID

ROOT = Path(__file__).resolve().parent.parent


def measure(changes: int = 15) -> dict[str, float]:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    start = time.perf_counter()
    at.run()
    first = time.perf_counter() - start
    at.slider(key="w_gov_support").set_value(30).run()  # warm caches once
    times = []
    for i in range(changes):
        value = 31 + i  # every step is a new spec: nothing comes from the score cache
        start = time.perf_counter()
        at.slider(key="w_gov_support").set_value(value).run()
        times.append(time.perf_counter() - start)
        if at.exception:
            raise RuntimeError(at.exception[0].message)
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    shapes = sum(len(json.dumps(row["polygon"], separators=(",", ":"))) for row in countries(deck))
    return {
        "overview_first_run_ms": round(first * 1000, 1),
        "overview_rerun_ms": round(statistics.median(times) * 1000, 1),
        # what the browser is sent for the map: all of it, and the country shapes alone
        "map_deck_kb": round(len(at.get("deck_gl_json_chart")[0].proto.json.encode()) / 1000, 1),
        "map_geometry_kb": round(shapes / 1000, 1),
    }


def countries(deck: dict) -> list[dict]:
    """The country layer's rows in a deck's JSON."""

    return next(layer["data"] for layer in deck["layers"] if layer["id"] == COUNTRY_LAYER_ID)


if __name__ == "__main__":
    print(json.dumps(measure()))
