"""`python -m ui.bench_crowd URL SESSIONS`: a crowd of sessions on a running app, speaking
Streamlit's own websocket protocol instead of driving browsers. Each session opens the overview
(until the server has sent the whole page), then, once every session is in, moves a weight slider
one step (until the server has sent the rerun). Prints JSON: each session's seconds for both, and
how many failed.

What a crowd costs the server, without the test machine also drawing every page: in use, each
visitor's browser runs on their own machine, and only the server is shared.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from risk.bench_browser import Crowd
from ui.visit import TIMEOUT_S, connection, rerun_request, stream_url, until_finished

SLIDER_KEY = "w_gov_support"
QUERY = "lang=en"


async def _session(url: str, gate: Crowd) -> tuple[float | None, float | None]:
    opened: float | None = None
    arrived = False
    try:
        start = time.perf_counter()
        async with connection(url) as ws:
            await ws.send(rerun_request(QUERY))
            page = await asyncio.wait_for(until_finished(ws, SLIDER_KEY), TIMEOUT_S)
            if page["exception"] or page["slider"] is None:
                raise RuntimeError(page["exception"] or "no weight slider on the page")
            opened = time.perf_counter() - start
            gate.arrived()
            arrived = True
            await gate.gate.wait()
            slider_id, value = page["slider"]
            start = time.perf_counter()
            await ws.send(
                rerun_request(QUERY, (slider_id, value + 1 if value < 100 else value - 1))
            )
            rerun = await asyncio.wait_for(until_finished(ws, SLIDER_KEY), TIMEOUT_S)
            if rerun["exception"]:
                raise RuntimeError(rerun["exception"])
            return opened, time.perf_counter() - start
    except Exception as exc:  # noqa: BLE001 (counted and reported, the crowd goes on)
        print(f"crowd: a session failed: {type(exc).__name__}: {exc}"[:400], file=sys.stderr)
        return opened, None
    finally:
        if not arrived:
            gate.arrived()


async def crowd(base_url: str, sessions: int) -> dict[str, list[float | None]]:
    url = stream_url(base_url)
    gate = Crowd(sessions)
    results = await asyncio.gather(*(_session(url, gate) for _ in range(sessions)))
    return {"open": [r[0] for r in results], "change": [r[1] for r in results]}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(crowd(sys.argv[1], int(sys.argv[2])))))
