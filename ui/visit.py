"""A visit over Streamlit's own websocket protocol, without a browser: open a page of a running
app (a rerun request with the page's query string) and read until the server has sent all of it.

Used to warm a server's caches at start (`ui.serve`) and to load a server with a crowd
(`ui.bench_crowd`).
"""

from __future__ import annotations

from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

TIMEOUT_S = 600.0


def stream_url(base_url: str) -> str:
    """The websocket address of an app served at `base_url` (http://host:port)."""
    return base_url.replace("http://", "ws://", 1).rstrip("/") + "/_stcore/stream"


def connection(url: str) -> Any:
    """An (async) connection to `stream_url`'s address."""
    return connect(
        url, subprotocols=[Subprotocol("streamlit")], max_size=None, open_timeout=TIMEOUT_S
    )


def rerun_request(query: str, widget: tuple[str, float] | None = None) -> bytes:
    """A rerun request for the main page with `query`, and one slider's new value (the others
    unchanged)."""
    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.page_script_hash = ""
    if widget is not None:
        state = msg.rerun_script.widget_states.widgets.add()
        state.id = widget[0]
        state.double_array_value.data.append(widget[1])
    return msg.SerializeToString()


async def until_finished(ws: ClientConnection, slider_key: str = "") -> dict[str, Any]:
    """Read the server's messages until a script run has finished (a run that ends early for
    another run is followed by that one). Returns the id and value of the slider whose key ends
    with `slider_key` (if given) and the message of any exception shown."""
    seen: dict[str, Any] = {"slider": None, "exception": None}
    while True:
        msg = ForwardMsg()
        msg.ParseFromString(await ws.recv())
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            if (
                slider_key
                and element.WhichOneof("type") == "slider"
                and element.slider.id.endswith(slider_key)
            ):
                values = list(element.slider.value) or list(element.slider.default)
                seen["slider"] = (element.slider.id, values[0] if values else 0.0)
            elif element.WhichOneof("type") == "exception":
                seen["exception"] = element.exception.message
        elif (
            kind == "script_finished" and msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN
        ):
            return seen
