"""`python -m ui.bench_overview`: server-side rerun time of the overview page after a weight change,
measured with Streamlit's AppTest, printed as JSON (median over several distinct weight changes)."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest, app_test, local_script_runner

from risk.present.maps import COUNTRY_LAYER_ID

ROOT = Path(__file__).resolve().parent.parent


def _one_script_cache() -> None:
    """Compile the scripts once, as a server does: Streamlit's server keeps one script cache for
    its lifetime, while AppTest makes a new one for every run, so each measured rerun would also
    compile the entry script and the page (about 18 ms that no visitor waits for)."""
    shared = ScriptCache()
    for module in (app_test, local_script_runner):
        module.ScriptCache = lambda: shared  # type: ignore[attr-defined]


def measure(changes: int = 15) -> dict[str, float]:
    _one_script_cache()
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
    text = at.get("deck_gl_json_chart")[0].proto.json
    rows = countries(json.loads(text))
    inline = rows if isinstance(rows, list) else []  # a str: the static shapes file's address
    shapes = sum(len(json.dumps(row["polygon"], separators=(",", ":"))) for row in inline)
    sheet = sum(len(h.proto.body.encode()) for h in at.get("html") if "data-tip=" in h.proto.body)
    served = (
        ROOT / str(rows).replace("app/static/", "static/", 1) if isinstance(rows, str) else None
    )
    return {
        "overview_first_run_ms": round(first * 1000, 1),
        "overview_rerun_ms": round(statistics.median(times) * 1000, 1),
        # what the browser is sent for the map on every rerun: the deck (which it reads with a
        # slow JavaScript JSON reader), the shapes inside it, and the tooltip lines' style sheet
        "map_deck_kb": round(len(text.encode()) / 1000, 1),
        "map_geometry_kb": round(shapes / 1000, 1),
        "map_tooltip_sheet_kb": round(sheet / 1000, 1),
        # ... and once per browser: the static shapes file (0 when the deck carries its shapes)
        "map_shapes_file_kb": round(served.stat().st_size / 1000, 1) if served else 0.0,
    }


def countries(deck: dict) -> list[dict] | str:
    """The country layer's data in a deck's JSON: its rows, or the static shapes file's address."""

    return next(layer["data"] for layer in deck["layers"] if layer["id"] == COUNTRY_LAYER_ID)


if __name__ == "__main__":
    print(json.dumps(measure()))
