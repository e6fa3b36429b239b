"""Every page, opened from a link whose every query parameter is hostile: no exception, and nothing
from the link becomes a Markdown link, an image or HTML (a link must never speak with the app's
voice)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from risk.scenarios.view import QUERY_KEYS
from risk.text import WORD_JOINER

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("overview", "profile", "compare", "scenarios", "watchlists", "data", "methodology")

# Every query parameter the app reads: the shared view (risk/share.py), the pinned version and
# short link (ui/view.py, ui/state.py) and the Scenarios page's keys (risk/scenarios/view.py).
VIEW_KEYS = (
    "spec", "market", "region", "subregion", "income", "bloc", "tw", "elig", "min", "mincov",
    "q", "metric", "layers", "top", "country", "compare", "version", "mapview", "watch",
)  # fmt: skip
SCENARIO_KEYS = QUERY_KEYS  # the Scenarios page's own list, so a new key is tested at once
PHISH = "[Session expired - click here to sign in](https://evil.example/login)"
IMAGE = "![t](http://127.0.0.1:9/track.png)"
HTML = '<script>alert(1)</script><img src="http://127.0.0.1:9/x.png">../../etc/passwd'
HOSTILE = (PHISH, IMAGE + HTML)

UNESCAPED = re.compile(r"(?<!\\)\]\s*\(|(?<!\\)<\s*/?\s*(script|img|a)\b", re.I)
AUTOLINK = re.compile(r"https?://|www\.", re.I)  # what GFM links even after escapes are read
MARKDOWN_KINDS = ("markdown", "caption", "warning", "error", "info", "success", "title", "header")
MARKDOWN_KINDS += ("subheader", "toast", "latex")
LABELLED_KINDS = ("selectbox", "multiselect", "text_input", "button", "slider", "number_input")
LABELLED_KINDS += ("checkbox", "toggle", "radio", "select_slider", "date_input", "text_area")


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    st.cache_resource.clear()
    st.cache_data.clear()
    yield


def shown_markdown(at: AppTest) -> Iterator[tuple[str, str]]:
    """(kind, text) of everything the page renders as Markdown: text elements and widget labels."""
    for kind in MARKDOWN_KINDS:
        for element in getattr(at, kind, []):
            yield kind, str(element.value)
    for kind in LABELLED_KINDS:
        for widget in at.get(kind):
            yield f"{kind}.label", str(getattr(widget, "label", ""))
    for link in at.get("page_link"):
        yield "page_link.label", str(link.proto.label)


def assert_safe(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
    for kind, text in shown_markdown(at):
        seen = re.sub(r"\\(.)", r"\1", text)  # once Markdown has read the escapes
        if any(m in seen.replace(WORD_JOINER, "") for m in ("evil.example", "127.0.0.1:9", "<scr")):
            assert not UNESCAPED.search(text), (kind, text)
            assert not AUTOLINK.search(seen), (kind, text)


def open_page(page: str, params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py")
        at.run()
    return at


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("value", HOSTILE, ids=["link", "image-html"])
def test_every_parameter_hostile(page: str, value: str, datasets_dir: Path, data_dir: Path) -> None:
    params = {key: value for key in (*VIEW_KEYS, *SCENARIO_KEYS)}
    at = open_page(page, {"lang": "en", **params})
    assert_safe(at)


@pytest.mark.parametrize("page", PAGES)
def test_hostile_short_link(page: str, datasets_dir: Path, data_dir: Path) -> None:
    at = open_page(page, {"lang": "en", "view": IMAGE})
    assert_safe(at)
    if page == "overview":  # AppTest opens the overview first, which reads the short link
        assert any("short link" in str(w.value) for w in at.warning)


@pytest.mark.parametrize("country", ["ZZZ", "../../etc/passwd", "<script>"])
def test_unknown_country_is_a_short_message(
    country: str, datasets_dir: Path, data_dir: Path
) -> None:
    at = open_page("overview", {"lang": "en", "country": country})
    assert_safe(at)
    said = [str(w.value) for w in at.warning]
    assert any("country code in the link is not known" in w for w in said), said
    assert not any(country.upper()[:3] in w for w in said)


@pytest.mark.parametrize(("key", "echo"), [("metric", PHISH), ("elig", PHISH), ("layers", PHISH)])
def test_ignored_values_are_shown_as_literal_text(
    key: str, echo: str, datasets_dir: Path, data_dir: Path
) -> None:
    at = open_page("overview", {"lang": "en", key: echo})
    assert_safe(at)
    assert any(r"\[Session expired" in str(w.value) for w in at.warning)
