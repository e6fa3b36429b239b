"""The "What changed" sections of the overview and the profile in AppTest: with the bundled data
alone they say there is nothing to compare; after a publish they show the mover and its driver."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from risk.store import open_store
from tests.support import frame_with, open_app

NOTHING = "No earlier data version to compare with; publish or refresh data to see changes."


@pytest.fixture(autouse=True)
def fresh_caches() -> None:
    st.cache_resource.clear()
    st.cache_data.clear()


def _plain(text: str) -> str:
    """Markdown text as the reader sees it (escapes removed)."""
    return text.replace("\\", "")


def _opened(at: AppTest, key: str) -> AppTest:
    at.session_state[key] = True  # as if the reader opened the section
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _peru_effective() -> pd.DataFrame:
    """Peru's latest government effectiveness raised to 2.3 (near the top of the scale)."""
    obs = open_store().table("observations")
    rows = obs[(obs["iso3"] == "PER") & (obs["indicator"] == "wgi.ge")]
    rows = rows.sort_values("year").tail(1).assign(value=2.3, source="test")
    return rows[["iso3", "indicator", "year", "value", "source"]]


def test_with_one_data_version_there_is_nothing_to_compare(
    datasets_dir: Path, data_dir: Path
) -> None:
    at = _opened(open_app(params={"lang": "en"}), "changes_open")
    assert any(NOTHING in _plain(i.value) for i in at.info)
    assert not any("▲" in str(df.value) for df in at.dataframe)
    profile = _opened(
        open_app("profile", {"country": "PER", "lang": "zh-TW"}), "profile_changes_open"
    )
    assert any("沒有更早的資料版本可比較" in _plain(i.value) for i in profile.info)
    assert not profile.metric or all("→" not in m.value for m in profile.metric)


def test_after_a_publish_the_mover_and_its_driver_are_shown(
    datasets_dir: Path, data_dir: Path
) -> None:
    store = open_store()
    bundled = store.data_version
    published = store.publish(_peru_effective(), author="test", note="effectiveness").version
    at = _opened(open_app(params={"lang": "en"}), "changes_open")
    assert not any(NOTHING in _plain(i.value) for i in at.info)
    assert any(bundled in _plain(c.value) and published in _plain(c.value) for c in at.caption)
    assert any("3 places or more" in c.value for c in at.caption)
    risers = frame_with(at, "drivers").set_index("country")
    peru = risers.loc["Peru"]
    assert peru["move"].startswith("▲") and int(peru["move"][1:]) >= 3
    assert peru["drivers"].startswith("Government effectiveness +")

    # Since a day before the store existed: compared with its first version, and the dated
    # events since that day listed with their links.
    at.session_state["_changes_mode"] = "date"
    at.session_state["_changes_since"] = date(2025, 1, 1)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("no data version yet on 2025-01-01" in _plain(i.value) for i in at.info)
    assert frame_with(at, "drivers").set_index("country").loc["Peru", "move"] == peru["move"]
    events = frame_with(at, "link")
    assert len(events) and all(d >= "2025-01-01" for d in events["date"])
    assert all(link == "" or link.startswith("https://") for link in events["link"])

    profile = _opened(
        open_app("profile", {"country": "PER", "lang": "zh-TW"}), "profile_changes_open"
    )
    rank = next(m for m in profile.metric if m.label == "排名（之前 → 目前）")
    before, after = (int(x) for x in rank.value.split(" → "))
    assert before - after >= 3 and rank.proto.delta == f"+{before - after}"
    assert any(_plain(m.value).startswith("主要驅動指標：政府效能 +") for m in profile.markdown)
    tiers = frame_with(profile, "link")  # Peru's dated events: the AI Diffusion tier in force
    peru_zh = store.table("countries").set_index("iso3").loc["PER", "name_zh_tw"]
    assert "2025-01-13" in set(tiers["date"]) and set(tiers["country"]) == {peru_zh}
