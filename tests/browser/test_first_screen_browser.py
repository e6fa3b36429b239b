"""The executive's first screen at 1440 x 900: the map and the top ten markets with their reasons,
without scrolling, and the full table without a sideways scrollbar, in both languages."""

from __future__ import annotations

import pytest

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
