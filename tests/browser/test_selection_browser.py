"""A selected export-controlled country in Chromium at 1440 x 900: the map draws the gated
countries' dark-red borders, the legend's swatch carries the same border, the panel says why the
country is not ranked, and its profile button opens the country's profile."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.browser.conftest import external, wait_ready

pytestmark = pytest.mark.browser


def _dark_red_share(page) -> float:  # type: ignore[no-untyped-def]
    """Share of the map's pixels in the gated countries' border colour."""
    png = page.locator("[data-testid=stDeckGlJsonChart] canvas").first.screenshot()
    pixels = list(Image.open(io.BytesIO(png)).convert("RGB").get_flattened_data())
    red = sum(1 for r, g, b in pixels if r > 120 and g < 60 and b < 60 and r > 2 * g)
    return red / len(pixels)


def test_gated_country_borders_reason_and_profile_button(
    page, app_server: str, requests_seen: list[str]
) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{app_server}/?lang=en&country=IRN&mapview=middle_east")
    wait_ready(page, "Not ranked: excluded by a US export-control rule")
    page.locator("[data-testid=stDeckGlJsonChart] canvas").first.wait_for(timeout=90_000)
    share = 0.0
    for _ in range(40):  # the map draws a moment after the page is ready
        share = _dark_red_share(page)
        if share > 0.005:
            break
        page.wait_for_timeout(500)
    assert share > 0.005, share  # Iran, Iraq, Syria, Afghanistan... outlined

    swatch_border = page.evaluate(
        """() => [...document.querySelectorAll('span')]
            .filter(s => s.textContent === 'Export-controlled or of concern (not ranked)')
            .filter(s => s.querySelector('span'))
            .map(s => getComputedStyle(s.querySelector('span')).border)"""
    )
    assert swatch_border == ["2px solid rgb(165, 15, 21)"]

    panel = page.locator(".st-key-selected_panel")
    text = panel.inner_text()
    assert "In EAR Country Group D:5 (U.S. arms embargoed countries)" in text
    assert "15 CFR Part 740, Supplement No. 1" in text
    button = panel.get_by_role("link", name="Open country profile")
    style = button.evaluate("a => getComputedStyle(a).backgroundColor")
    assert style == "rgb(192, 57, 43)"  # a filled button, not a plain link
    box = button.bounding_box()
    assert box and box["height"] >= 30
    button.click()
    page.wait_for_url("**/profile?*country=IRN*", timeout=90_000)
    wait_ready(page, "Iran")
    assert external(requests_seen) == []
