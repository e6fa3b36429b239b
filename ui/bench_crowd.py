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
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

SLIDER_KEY = "w_gov_support"
QUERY = "lang=en"
TIMEOUT_S = 600.0


def _rerun(widget: tuple[str, float] | None = None) -> bytes:
    """A rerun request for the overview, with one slider's new value (the others unchanged)."""
    msg = BackMsg()
    msg.rerun_script.query_string = QUERY
    msg.rerun_script.page_script_hash = ""
    if widget is not None:
        state = msg.rerun_script.widget_states.widgets.add()
        state.id = widget[0]
        state.double_array_value.data.append(widget[1])
    return msg.SerializeToString()


async def _until_finished(ws: ClientConnection) -> dict[str, Any]:
    """Read the server's messages until a script run has finished (a run that ends early for
    another run is followed by that one). Returns the slider's id and value and any exception."""
    seen: dict[str, Any] = {"slider": None, "exception": None}
    while True:
        msg = ForwardMsg()
        msg.ParseFromString(await ws.recv())
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            if element.WhichOneof("type") == "slider" and element.slider.id.endswith(SLIDER_KEY):
                values = list(element.slider.value) or list(element.slider.default)
                seen["slider"] = (element.slider.id, values[0] if values else 0.0)
            elif element.WhichOneof("type") == "exception":
                seen["exception"] = element.exception.message
        elif (
            kind == "script_finished" and msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN
        ):
            return seen


class _Gate:
    def __init__(self, sessions: int) -> None:
        self.left = sessions
        self.event = asyncio.Event()

    def arrived(self) -> None:
        self.left -= 1
        if self.left <= 0:
            self.event.set()


async def _session(url: str, gate: _Gate) -> tuple[float | None, float | None]:
    opened: float | None = None
    arrived = False
    try:
        start = time.perf_counter()
        async with connect(
            url,
            subprotocols=[Subprotocol("streamlit")],
            max_size=None,
            open_timeout=TIMEOUT_S,
        ) as ws:
            await ws.send(_rerun())
            page = await asyncio.wait_for(_until_finished(ws), TIMEOUT_S)
            if page["exception"] or page["slider"] is None:
                raise RuntimeError(page["exception"] or "no weight slider on the page")
            opened = time.perf_counter() - start
            gate.arrived()
            arrived = True
            await gate.event.wait()
            slider_id, value = page["slider"]
            start = time.perf_counter()
            await ws.send(_rerun((slider_id, value + 1 if value < 100 else value - 1)))
            rerun = await asyncio.wait_for(_until_finished(ws), TIMEOUT_S)
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
    url = base_url.replace("http://", "ws://", 1).rstrip("/") + "/_stcore/stream"
    gate = _Gate(sessions)
    results = await asyncio.gather(*(_session(url, gate) for _ in range(sessions)))
    return {"open": [r[0] for r in results], "change": [r[1] for r in results]}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(crowd(sys.argv[1], int(sys.argv[2])))))
