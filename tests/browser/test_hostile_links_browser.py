"""Hostile links in a real browser, on every page: the values show as literal text, never as a
link, an image or a traceback, and the page requests nothing but its own server."""

from __future__ import annotations

from urllib.parse import urlencode, urlparse

import pytest

from risk.text import WORD_JOINER
from tests.browser.conftest import READY

pytestmark = pytest.mark.browser

PHISH = "[Session expired - click here to sign in](https://evil.example/login)"
IMAGE = "![t](http://127.0.0.1:9/track.png)"
PAGES = ("", "profile", "compare", "scenarios", "data", "methodology")
VIEW_PAGES = ("", "profile", "compare", "scenarios")  # the pages that read the shared view
LINKS = (
    {"metric": PHISH, "elig": PHISH},
    {"view": IMAGE},
    {"country": "../../etc/passwd", "compare": "<script>,ZZZ", "version": PHISH, "sc": IMAGE},
)


def foreign(urls: list[str], base: str) -> list[str]:
    """Requests to anything but the app's own server (another port of 127.0.0.1 counts)."""
    own = urlparse(base).netloc
    return [
        u
        for u in urls
        if urlparse(u).scheme not in ("data", "blob", "about") and urlparse(u).netloc != own
    ]


@pytest.mark.parametrize("slug", PAGES, ids=lambda s: s or "overview")
def test_hostile_links_stay_text(
    page, app_server: str, requests_seen: list[str], slug: str
) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1400, "height": 1600})
    for params in LINKS:
        page.goto(f"{app_server}/{slug}?{urlencode({'lang': 'en', **params})}")
        page.wait_for_selector(READY, timeout=120_000)
        page.wait_for_timeout(500)  # a warning drawn after the script finished has arrived
        page.wait_for_selector(READY, timeout=120_000)
        text = page.inner_text("body").replace(WORD_JOINER, "")
        assert page.locator('a[href*="evil.example"]').count() == 0, params
        assert page.locator('img[src*="127.0.0.1:9"], img[src*="track.png"]').count() == 0
        assert page.locator("[data-testid=stException]").count() == 0, text[:2000]
        assert "Traceback" not in text and "/work/" not in text and ".py" not in text
        if "metric" in params and slug in VIEW_PAGES:
            assert PHISH in text, text[:2000]  # shown as written, as plain text
        if "view" in params and slug in VIEW_PAGES:
            assert "short link" in text
        if "country" in params and slug == "":
            assert "country code in the link is not known" in text
    assert foreign(requests_seen, app_server) == []
