"""The Watchlists page, the overview's "Save as watchlist" and the Scenarios page started from a
watchlist, in AppTest."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from risk.scoring.engine import engine_for
from risk.scoring.result import result_table
from risk.share import ViewState
from risk.spec import ScoreSpec
from risk.store import DuckDBStore, open_embedded, open_store
from risk.text import md_text
from risk.watchlists import Watchlist, create_watchlist, list_watchlists
from tests.support import ROOT, frame_with, open_app, query

HOSTILE = "<script>alert(1)</script> [x](http://evil)"
PICKS = ["JPN", "DEU", "SGP", "VNM"]


@pytest.fixture(autouse=True)
def fresh_caches() -> None:
    st.cache_resource.clear()
    st.cache_data.clear()


def _save(name: str, countries: list[str]) -> Watchlist:
    """A watchlist saved through a store object of its own, as another app server would."""
    app_store = open_embedded()
    other = DuckDBStore(app_store.path, app_store.datasets_dir)
    spec = ScoreSpec.from_preset("balanced", mc_draws=50, data_version=other.data_version)
    ranked = result_table(engine_for(other).score(spec))
    return create_watchlist(
        other, name, countries, ViewState(spec=spec), ranked, data_version=other.data_version
    )


def _text(at) -> str:  # type: ignore[no-untyped-def]
    parts = [*at.markdown, *at.caption, *at.subheader, *at.title, *at.warning, *at.success]
    return "\n".join(str(p.value) for p in parts)


def test_a_watch_link_to_the_front_page_opens_the_list(datasets_dir: Path, data_dir: Path) -> None:
    saved = _save(HOSTILE, PICKS)
    at = open_app(params={"watch": saved.id, "lang": "en"})
    assert at.title[0].value == "Watchlists"
    # The hostile name is shown escaped, as text: never a tag, a link or an image.
    assert at.subheader[0].value == md_text(HOSTILE)
    assert "<script>" not in _text(at) and "](http" not in _text(at)
    assert at.selectbox(key="watch_pick").value == saved.id
    changes = frame_with(at, "rank_then")
    assert changes["iso3"].tolist() == PICKS
    assert changes.loc[changes["iso3"] == "JPN", "status"].iloc[0] == "still ranked"
    assert (changes["score_then"] == changes["score_now"]).all()  # nothing changed yet
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Moved up"] == "0" and metrics["Now excluded"] == "0"
    assert any(f"watchlists?watch={saved.id}" in c.value for c in at.code)
    assert query(at)["watch"] == saved.id


@pytest.mark.parametrize("wid", ["0123456789", "<script>x</script>"])
def test_an_unknown_watchlist_says_so_in_the_users_language(
    datasets_dir: Path, data_dir: Path, wid: str
) -> None:
    at = open_app("watchlists", params={"watch": wid})  # Traditional Chinese by default
    assert any("找不到這份觀察清單" in w.value for w in at.warning)
    assert "script" not in _text(at)  # the id is never echoed
    assert any("尚未儲存任何觀察清單" in i.value for i in at.info)


def test_the_list_opens_and_deletes_a_watchlist(datasets_dir: Path, data_dir: Path) -> None:
    first = _save("Asia", ["JPN", "KOR"])
    _save(HOSTILE, ["DEU"])
    at = open_app("watchlists", params={"lang": "en"})
    listing = frame_with(at, "saved_at")
    assert set(listing["watchlist"]) == {"Asia", HOSTILE}  # a table cell: plain text
    at.selectbox(key="watch_pick").set_value(first.id).run()
    assert query(at)["watch"] == first.id
    assert frame_with(at, "rank_then")["iso3"].tolist() == ["JPN", "KOR"]
    at.button(key="watch_delete").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert any('Deleted "Asia"' in s.value for s in at.success)
    assert "watch" not in query(at)
    assert [w.name for w in list_watchlists(open_store())] == [HOSTILE]


def test_on_a_shared_server_only_analysts_delete_watchlists(
    datasets_dir: Path, data_dir: Path
) -> None:
    saved = _save("Asia", ["JPN", "KOR"])
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.query_params["lang"] = "en"
    at.query_params["watch"] = saved.id
    at.secrets["analyst_password"] = "s3cret"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert "watch_delete" not in {b.key for b in at.button}
    assert any("needs the rights to change data" in c.value for c in at.caption)
    at.sidebar.text_input(key="data_password").input("s3cret").run()
    at.button(key="watch_delete").click().run()
    assert [w.id for w in list_watchlists(open_store())] == []


def test_the_overview_saves_its_top_ten_as_a_watchlist(datasets_dir: Path, data_dir: Path) -> None:
    at = open_app(params={"lang": "en"})
    top = at.multiselect(key="watch_countries").value
    assert len(top) == 10
    at.text_input(key="watch_name").input("  ")
    at.button(key="FormSubmitter:watch_save_form-Save watchlist").click().run()
    assert any("Give the watchlist a name" in e.value for e in at.error)
    at.text_input(key="watch_name").input(HOSTILE)
    at.button(key="FormSubmitter:watch_save_form-Save watchlist").click().run()
    assert not at.exception, [e.message for e in at.exception]
    (saved,) = list_watchlists(open_store())
    assert saved.name == HOSTILE and list(saved.countries) == top
    assert all(saved.ranks[c] is not None for c in top)
    assert any(md_text(HOSTILE) in s.value for s in at.success)
    assert any(f"watch={saved.id}" in c.value for c in at.code)
    # Countries of one's own choosing, beyond the top ten.
    at.text_input(key="watch_name").input("Picked")
    at.multiselect(key="watch_countries").set_value([top[3], "BRA"])
    at.button(key="FormSubmitter:watch_save_form-Save watchlist").click().run()
    picked = next(w for w in list_watchlists(open_store()) if w.name == "Picked")
    assert picked.countries == (top[3], "BRA")


def test_scenarios_start_from_a_watchlist(datasets_dir: Path, data_dir: Path) -> None:
    saved = _save("Allocation list", ["SGP", "JPN", "DEU"])
    at = open_app("scenarios", params={"lang": "en"})
    at.selectbox(key="sc_watch").set_value(saved.id).run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state["al_short"] == ["SGP", "JPN", "DEU"]
    assert query(at)["short"] == "SGP,JPN,DEU"  # the link keeps the shortlist
    alloc = frame_with(at, "amount")
    assert len(alloc) == 3
    assert alloc["amount"].sum() == pytest.approx(100)
