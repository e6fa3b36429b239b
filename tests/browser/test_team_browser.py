"""Two app servers over one DuckLake store (PostgreSQL started here): a short link made on server A
opens the same view on server B, and a publish on A reaches B within the stated delay."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from risk.store.local_postgres import LocalPostgres, postgres_available
from tests.browser.conftest import READY, _serve, wait_ready

pytestmark = pytest.mark.browser
POLL_S = 1.0  # RISK_STORE_POLL_S of both servers
# B serves the new version to the first request made more than the poll delay after the publish:
# the test reloads B's page in a loop, so that is within the poll plus one reload of the page.
VISIBLE_WITHIN_S = POLL_S + 1
UPLOAD = b"country,indicator,year,value\nJapan,wgi.ge,2024,1.95\n"


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    if not postgres_available():
        pytest.fail("PostgreSQL 15 is not installed: run `bash scripts/install.sh --system`")
    lake = tmp_path_factory.mktemp("lake")
    with LocalPostgres() as pg:
        env = {
            "RISK_STORE": pg.attach,
            "RISK_STORE_DATA_PATH": str(lake),
            "RISK_STORE_POLL_S": str(POLL_S),
        }
        a = _serve(tmp_path_factory.mktemp("server-a"), env)
        base_a = next(a)  # A creates the store; B finds it
        b = _serve(tmp_path_factory.mktemp("server-b"), env)
        base_b = next(b)
        yield base_a, base_b
        for gen in (a, b):
            next(gen, None)


def _spec(url: str) -> str:
    return parse_qs(urlparse(url).query).get("spec", [""])[0]


def test_short_link_made_on_a_opens_on_b(page, servers: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    base_a, base_b = servers
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.goto(base_a + "/?lang=en")
    wait_ready(page, "Share", timeout=120_000)
    spec_a = _spec(page.url)
    page.locator("[data-testid=stExpander] summary", has_text="Share").first.click()
    page.locator(".st-key-save_view button").click()
    code = page.get_by_text("?view=", exact=False).last
    code.wait_for(timeout=90_000)
    vid = re.search(r"view=([0-9a-f]{10})", code.inner_text())
    assert vid, code.inner_text()
    page.goto(f"{base_b}/?view={vid.group(1)}")
    page.wait_for_selector(READY, timeout=120_000)
    page.wait_for_function("() => location.search.includes('spec=')", timeout=90_000)
    assert _spec(page.url) == spec_a
    assert "no saved view" not in page.locator("[data-testid=stMain]").inner_text()


def test_publish_on_a_appears_on_b(page, servers: tuple[str, str], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base_a, base_b = servers
    page.set_viewport_size({"width": 1400, "height": 2400})
    other = page.context.new_page()  # B's Data page, open before the publish (warm caches)
    other.goto(base_b + "/data?lang=en")
    wait_ready(other, "Data management", timeout=120_000)
    page.goto(base_a + "/data?lang=en")
    wait_ready(page, "Data management", timeout=120_000)
    upload = tmp_path / "team.csv"
    upload.write_bytes(UPLOAD)
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(upload))
    page.get_by_text("ready to publish", exact=False).first.wait_for(timeout=120_000)
    page.wait_for_selector(READY, timeout=120_000)
    page.locator(".st-key-data_publish button").click()
    done = page.get_by_text("Published data version", exact=False).first
    done.wait_for(timeout=120_000)
    published = time.monotonic()
    version = re.search(r"v\d{4}-[0-9a-f]{8}", done.inner_text())
    assert version, done.inner_text()
    reload_s = 0.0
    while True:
        asked = time.monotonic()
        other.reload()
        other.wait_for_selector(READY, timeout=120_000)
        other.get_by_text("Data management").first.wait_for(timeout=120_000)
        if version.group(0) in other.locator("[data-testid=stSidebar]").inner_text():
            break
        reload_s = time.monotonic() - asked
        assert asked - published < VISIBLE_WITHIN_S + reload_s, "B never served the new version"
    # A shows it at once, and its button is now off (the same file cannot go twice)
    assert version.group(0) in page.locator("[data-testid=stSidebar]").inner_text()
    assert page.locator(".st-key-data_publish button").is_disabled()
    served_after, drawn_after = asked - published, time.monotonic() - published
    print(f"publish on A served by B {served_after:.1f} s later, drawn after {drawn_after:.1f} s")
    assert served_after < VISIBLE_WITHIN_S + reload_s
