"""Links pinned to a data version, and what the pages show right after Publish and Rollback."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st

from risk.store import open_store
from tests.support import UPLOAD_META, open_app
from tests.support import query as url_query

GOOD = b"country,indicator,year,value\nJapan,wgi.ge,2024,1.9\nChile,upload.parks,2024,3\n"


@pytest.fixture(autouse=True)
def fresh_caches() -> None:
    st.cache_resource.clear()
    st.cache_data.clear()


def _boost() -> pd.DataFrame:
    obs = open_store().table("observations")
    rows = obs[obs["iso3"] == "CHL"].sort_values("year").groupby("indicator").tail(1)
    return rows.assign(value=rows["value"] * 1.5, source="test")[
        ["iso3", "indicator", "year", "value", "source"]
    ]


def test_a_rolled_back_version_still_opens_with_its_note(
    datasets_dir: Path, data_dir: Path
) -> None:
    first = open_app()  # caches the version list while the bundled version is current
    store = open_store()
    bundled = store.data_version
    v2 = store.publish(_boost(), author="test", note="boost").version
    at = open_app()
    pinned_query = url_query(at)
    at.button(key="save_view").click().run()
    vid = next(c.value for c in at.code if "view=" in c.value).split("view=")[1]
    store.rollback(bundled, author="test")
    assert store.data_version == bundled and first is not None
    for params in (pinned_query, {"view": vid}, {"version": v2}):
        opened = open_app(params=params)
        notes = " ".join(i.value for i in opened.info)
        assert v2 in notes, params  # the pinned version, said so
        assert opened.button(key="use_current")  # and the way back to current data
        opened.button(key="use_current").click().run()
        assert not any(v2 in i.value for i in opened.info)


def test_a_version_that_no_longer_exists_says_so(datasets_dir: Path, data_dir: Path) -> None:
    at = open_app(params={"version": "v0099-deadbeef", "lang": "en"})
    assert any("v0099-deadbeef" in w.value and "no longer exists" in w.value for w in at.warning)
    data = open_app("data", params={"lang": "en"})
    data.query_params["version"] = "v0099-deadbeef"  # as if opened at /data?version=...
    data.run()
    assert any("no longer exists" in w.value for w in data.warning)


def test_publish_and_rollback_show_the_new_version_at_once(
    datasets_dir: Path, data_dir: Path
) -> None:
    at = open_app("data", params={"lang": "en"})
    bundled = open_store().data_version
    at.file_uploader(key="data_upload").set_value(("t.csv", GOOD, "text/csv")).run()
    at.session_state["data_meta_json"] = json.dumps([{**UPLOAD_META, "description": ""}])
    at.run()
    at.button(key="data_publish").click().run()
    assert not at.exception, [e.message for e in at.exception]
    version = open_store().data_version
    assert version != bundled
    assert any(version in s.value for s in at.success)
    assert any(version in m.value for m in at.markdown)  # the page's header
    assert any(version in c.value for c in at.sidebar.caption)  # and the sidebar
    assert at.button(key="data_publish").disabled  # the same file cannot go twice
    at.selectbox(key="data_version_pick").set_value(bundled).run()
    at.button(key="data_rollback").click().run()
    assert open_store().data_version == bundled
    assert any(bundled in m.value for m in at.markdown)
    assert any(bundled in c.value for c in at.sidebar.caption)
