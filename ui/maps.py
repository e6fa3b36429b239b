"""Showing a map deck: the country shapes from the static file when it is served (the deck then
carries only colours, and the tooltip lines come as a style sheet), else inside the deck."""

from __future__ import annotations

from typing import Any

import pydeck as pdk
from streamlit.delta_generator import DeltaGenerator

from risk.present.maps import serve_shapes
from ui import cache


def show(where: DeltaGenerator, deck: pdk.Deck, data_version: str, **chart: Any) -> Any:
    """`where.pydeck_chart(deck, **chart)` with the shapes served once (`cache.shapes_url`);
    returns the chart's selection event."""
    url = cache.shapes_url(data_version)
    if url is not None:
        sheet = serve_shapes(deck, url)
        if sheet:
            where.html(sheet)
    return where.pydeck_chart(deck, **chart)
