"""Map first: a browser's first overview shows the title, the map's fills and the top markets, and
the rest of the page (the sidebar's weights and filters, the map controls, the outlines and layers
over the map, the ranked table, sharing) as soon as the map is on screen.

The browser draws the map in the same thread that lays out every other element of the page; when
all of them arrive together, the map waits for the sidebar's widgets and the table to be laid out
first (about 0.7 s of a 2.9 s first map on the 2-core test machine). So the first run of a browser
session sends what the first screen is about, and a small script beside it asks for the rest once
the map has painted (or after `FALLBACK_MS`, should the map never paint, say without WebGL).

Only sessions with a browser's user agent take the two steps: the launcher's warm-up visits and
the protocol benchmarks, which draw nothing, get the whole page in one run, as do page tests."""

from __future__ import annotations

import streamlit as st

from risk.present.painted import painted_js

DONE = "_map_first_done"
KEY = "map_first"
FALLBACK_MS = 3000
SHAPES_GRACE_MS = 800
READ_ANYWAY_MS = 1500  # a map with its shapes inside the deck (no static file) is read from then
PAINTED = painted_js(32, 18, 50)  # a small sample: each read of the canvas stalls drawing

# Polls the page's map canvas (a 32 x 18 sample, cheap) until it shows colour, then asks for the
# rest of the page on the next frame. A browser whose canvas cannot be read back (some graphics
# drivers clear it once shown) goes on `SHAPES_GRACE_MS` after this page's country shapes arrived;
# a tab opened in the background (no frames) asks at once; anything failing asks at once too.
_JS = f"""
export default function(component) {{
    const {{ setTriggerValue }} = component;
    const started = performance.now();
    let stopped = false;
    const painted = {PAINTED};
    const shapesSince = () => {{
        const e = performance.getEntriesByType('resource').find(r =>
            r.name.includes('/static/map/countries-') && r.startTime >= started - 1000
            && r.responseEnd > 0);
        return e ? performance.now() - e.responseEnd : -1;
    }};
    const ask = () => {{
        if (stopped) return;
        stopped = true;
        setTriggerValue('drawn', true);
    }};
    const tick = () => {{
        if (stopped) return;
        let go = true;
        try {{
            const waited = performance.now() - started, since = shapesSince();
            // the canvas is read only once the shapes are in (or late): each read stalls drawing
            go = document.hidden || waited > {FALLBACK_MS} || since > {SHAPES_GRACE_MS}
                || ((since >= 0 || waited > {READ_ANYWAY_MS}) && painted());
        }} catch (err) {{
            go = true;
        }}
        if (!go) {{
            setTimeout(tick, 60);
        }} else if (document.hidden) {{
            ask();
        }} else {{
            requestAnimationFrame(ask);
        }}
    }};
    tick();
    return () => {{ stopped = true; }};
}}
"""

_signal = st.components.v2.component(KEY, js=_JS)


def _drawn() -> None:
    st.session_state[DONE] = True


def pending() -> bool:
    """True while a browser session's first overview has not drawn its map yet."""
    if st.session_state.get(DONE):
        return False
    agent = st.context.headers.get("User-Agent") if st.context.headers else None
    return bool(agent) and str(agent).startswith("Mozilla/")


def carry_over(name: str, messages: list[str], first: bool) -> list[str]:
    """Messages that are said once (taken from the session as they are shown, or read from the URL
    before it is rewritten) are said again on the run that completes the page, which would
    otherwise drop them. `first`: this run is a first screen."""
    key = f"_map_first_said.{name}"
    if first:  # a rerun on the first screen (a map click) keeps what an earlier one had to say
        kept = st.session_state.get(key, [])
        said = kept + [m for m in messages if m not in kept]
        st.session_state[key] = said
        return said
    kept = st.session_state.pop(key, [])
    return kept + [m for m in messages if m not in kept]


def ask_for_the_rest() -> None:
    """The invisible script that reruns the page once the map has painted; ends this run."""
    _signal(key=KEY, on_drawn_change=_drawn)
    st.stop()
