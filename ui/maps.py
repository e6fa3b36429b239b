"""Showing a map deck: the country shapes from the static file when it is served (the deck then
carries only colours, and the tooltip lines come as a style sheet), else inside the deck."""

from __future__ import annotations

from typing import Any

import pydeck as pdk
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from risk.present.maps import serve_outlines, serve_shapes
from ui import cache


def show(where: DeltaGenerator | None, deck: pdk.Deck, data_version: str, **chart: Any) -> Any:
    """`where.pydeck_chart(deck, **chart)` (in the current container when `where` is None) with
    the shapes and outlines served as files the browser keeps (`cache.shapes_url`,
    `cache.static_json_url`); returns the chart's selection event."""
    target: Any = st if where is None else where
    url = cache.shapes_url(data_version)
    if url is not None:
        sheet = serve_shapes(deck, url)
        if sheet:
            target.html(sheet)
    serve_outlines(deck, cache.static_json_url)  # files named after the layers
    return target.pydeck_chart(deck, **chart)
