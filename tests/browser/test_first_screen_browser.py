"""The executive's first screen at 1440 x 900: the map and the top ten markets with their reasons,
without scrolling, and the full table without a sideways scrollbar, in both languages."""

from __future__ import annotations

import pytest

from risk.bench_browser import PAINTED
from risk.present.maps import COUNTRY_LAYER_ID
from tests.browser.conftest import external, wait_ready

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1440, 900


@pytest.mark.parametrize(
    ("lang", "heading", "strong"),
    [("zh-TW", "排名清單", "強項"), ("en", "Ranked shortlist", "Strong:")],
)
def test_map_and_top_ten_in_the_first_viewport(
    page, app_server: str, requests_seen: list[str], lang: str, heading: str, strong: str
) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.goto(f"{app_server}/?lang={lang}")
    wait_ready(page, heading)
    canvas = page.locator("[data-testid=stDeckGlJsonChart] canvas").first
    canvas.wait_for(timeout=90_000)
    box = canvas.bounding_box()
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= HEIGHT
    assert box["x"] + box["width"] <= WIDTH

    items = page.locator(".top-markets li[data-iso3]")
    assert items.count() == 10
    for i in range(10):
        item = items.nth(i)
        r = item.bounding_box()
        assert r and r["y"] >= 0 and r["y"] + r["height"] <= HEIGHT, item.inner_text()
        text = item.inner_text()
        assert strong in text, text  # the reason, in the user's language
        assert item.locator("b").nth(1).inner_text().strip()  # the name

    sizes = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=stDataFrame] .dvn-scroller')]
            .map(s => [s.scrollWidth, s.clientWidth])"""
    )
    assert sizes, "the ranked table is on the page"
    scroll_width, client_width = sizes[0]
    assert scroll_width <= client_width, sizes  # no horizontal scrollbar
    assert external(requests_seen) == []


MAP_TOP = (
    "() => document.querySelector('[data-testid=stDeckGlJsonChart]').getBoundingClientRect().top"
)


# the outline layers' segment files the page has fetched (ui.maps.show serves them as files)
OUTLINE_FILES = (
    "() => performance.getEntriesByType('resource').map(r => r.name)"
    ".filter(n => n.includes('/static/map/outline_'))"
)


def test_the_map_comes_first_and_the_rest_follows_without_moving_it(page, app_server: str) -> None:  # type: ignore[no-untyped-def]
    """A browser's first overview draws the map (its fills) and the top ten before the sidebar's
    controls, the ranked table and the outlines over the map (ui.map_first); the rest then arrives
    by itself, and the map stays put."""
    frames: list[bytes] = []  # what the server sent, in order
    page.on(
        "websocket",
        lambda ws: ws.on(
            "framereceived", lambda f: frames.append(f if isinstance(f, bytes) else f.encode())
        ),
    )
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.goto(f"{app_server}/?lang=en")
    page.wait_for_function(PAINTED, timeout=90_000, polling=20)
    first_top = page.evaluate(MAP_TOP)
    seen_first = page.evaluate(
        """() => ({
            weights: !!document.querySelector('.st-key-w_gov_support'),
            call: !!document.querySelector('.st-key-map_first'),
            top: document.querySelectorAll('.top-markets li[data-iso3]').length })"""
    )
    wait_ready(page, "Ranked shortlist")  # arrives without any action
    page.locator(".st-key-w_gov_support [data-testid=stSlider]").wait_for(timeout=30_000)
    page.get_by_text("繁體中文").first.wait_for(timeout=30_000)  # the language switch
    assert page.locator(".st-key-map_first").count() == 0
    assert page.evaluate(MAP_TOP) == first_top  # the map controls' row kept its place
    # the status outlines are drawn over the fills with the rest, not before the first map: the
    # first run's deck has no outline layer, the second run's (the one with the language switch)
    # has, and the browser fetches its lines
    rest = next(i for i, f in enumerate(frames) if b"_lang_widget" in f)
    country_layer, outline_layer = f'"id":"{COUNTRY_LAYER_ID}"'.encode(), b'"id":"outline_'
    decks = [f.replace(b" ", b"") for f in frames]  # the deck's JSON, however it is spaced
    assert any(country_layer in f for f in decks[:rest])  # the first run's map
    assert not any(outline_layer in f for f in decks[:rest])
    assert any(outline_layer in f for f in decks[rest:])
    page.wait_for_function(f"() => ({OUTLINE_FILES})().length > 0", timeout=30_000)
    # the first screen had the map and the top ten, and was still to ask for the controls
    assert seen_first == {"weights": False, "call": True, "top": 10}, seen_first


def test_a_link_left_on_its_first_screen_keeps_its_view(page, app_server: str) -> None:  # type: ignore[no-untyped-def]
    """A shared link (custom weights, a filter, a selected country) whose reader switches page
    before the rest of the overview has arrived: the view travels with them, and comes back."""
    from risk.share import Filters, ViewState, to_query
    from risk.spec import ScoreSpec

    spec = ScoreSpec.from_preset("balanced").replace(
        preset="custom",
        pillar_weights=(
            ("gov_support", 40.0),
            ("compute_demand", 20.0),
            ("alignment", 20.0),
            ("financial", 20.0),
        ),
    )
    view = ViewState(spec=spec, filters=Filters(regions=("Asia",)), selected="JPN", lang="en")
    query = "&".join(f"{k}={v}" for k, v in to_query(view).items())
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.goto(f"{app_server}/?{query}")
    page.wait_for_function(PAINTED, timeout=90_000, polling=20)
    on_first_screen = page.locator(".st-key-map_first").count() == 1
    page.get_by_role("link", name="Country profile").first.click()
    wait_ready(page, "Back to the overview")
    assert on_first_screen  # the switch happened before the rest had arrived
    assert "country=JPN" in page.url and "region=Asia" in page.url, page.url
    page.get_by_role("link", name="Overview").first.click()
    wait_ready(page, "Ranked shortlist")
    assert "region=Asia" in page.url and "country=JPN" in page.url, page.url
    weight = page.locator(".st-key-w_gov_support [data-testid=stSliderThumbValue]").inner_text()
    assert weight.strip() == "40%", weight
