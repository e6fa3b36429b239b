"""Watchlists in a real browser: saved on the overview under a hostile name, opened by its link in
another browser session (and from the front page), shown as text, and carried to Scenarios."""

from __future__ import annotations

import pytest

from risk.text import WORD_JOINER
from tests.browser.conftest import READY, external, wait_ready

pytestmark = pytest.mark.browser

NAME = "<img src=x onerror=alert(1)> [Gulf](http://evil.example) push"


def _ready(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_timeout(500)  # a rerun started by the last action has begun
    page.wait_for_selector(READY, timeout=120_000)


def test_a_watchlist_saved_under_a_hostile_name_is_shared_by_link(
    page, browser, app_server: str, requests_seen: list[str]
) -> None:  # type: ignore[no-untyped-def]
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{app_server}/?lang=en")
    wait_ready(page, "Save as watchlist", timeout=180_000)
    page.get_by_text("Save as watchlist", exact=True).click()
    page.get_by_label("Watchlist name", exact=True).fill(NAME)
    page.get_by_role("button", name="Save watchlist").click()
    _ready(page)
    page.get_by_text("Link to share:").wait_for(timeout=60_000)
    link = next(c for c in page.locator("[data-testid=stCode]").all_inner_texts() if "watch=" in c)
    wid = link.strip().split("watch=")[1]

    # A colleague opens the link in their own session; the front page forwards it too.
    other = browser.new_page(viewport={"width": 1440, "height": 900})
    other.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for url in (link.strip(), f"{app_server}/?watch={wid}&lang=en"):
        other.goto(url if "lang=" in url else url + "&lang=en")
        wait_ready(other, "Moved up", timeout=180_000)
        assert f"watch={wid}" in other.url and "/watchlists" in other.url
        text = other.inner_text("body").replace(WORD_JOINER, "")
        assert NAME in text  # shown as written, as plain text
        assert other.locator("img[src=x]").count() == 0
        assert other.locator('a[href*="evil.example"]').count() == 0
        assert other.locator("[data-testid=stException]").count() == 0
    # From the list to the Scenarios page: the allocation's shortlist is the list's countries.
    other.get_by_text("Scenarios and allocation with this list").click()
    wait_ready(other, "Dynamic allocation", timeout=180_000)
    assert "short=" in other.url
    assert other.locator("[data-testid=stException]").count() == 0
    assert dialogs == []
    assert external(requests_seen) == []
    other.close()
