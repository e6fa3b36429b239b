"""Watchlists: validation, saving and sharing through the store, and what changed since saved."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from risk.present.watchlists import change_counts, changes_table, list_table, move_text
from risk.scoring.engine import engine_for
from risk.scoring.result import result_table
from risk.share import ViewState, from_query
from risk.spec import ScoreSpec
from risk.store import DuckDBStore
from risk.watchlists import (
    MAX_COUNTRIES,
    MAX_NAME,
    Watchlist,
    WatchlistError,
    changes_since_saved,
    clean_countries,
    clean_name,
    create_watchlist,
    delete_watchlist,
    list_watchlists,
    load_watchlist,
    new_watchlist,
)

KNOWN = {"JPN", "KOR", "DEU", "USA", "VNM", "SGP"}
RANKED = pd.DataFrame(
    {
        "iso3": ["JPN", "KOR", "DEU", "USA", "VNM", "SGP"],
        "rank": [1.0, 2.0, 3.0, 4.0, np.nan, np.nan],
        "score": [80.0, 75.0, 70.0, 65.0, 60.0, np.nan],
        "reason": ["", "", "", "", "EAR D:5", ""],
    }
)


def _view() -> ViewState:
    return ViewState(spec=ScoreSpec.from_preset("balanced", mc_draws=0, as_of="2025-06-01"))


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory, datasets_dir: Path) -> DuckDBStore:
    return DuckDBStore(tmp_path_factory.mktemp("watch") / "s.duckdb", datasets_dir)


@pytest.fixture()
def store(shared_store: DuckDBStore) -> DuckDBStore:
    """An embedded store without watchlists (one file per module: opening one takes seconds)."""
    for key in shared_store.records("watchlist")["key"]:
        shared_store.delete_record("watchlist", str(key))
    return shared_store


class NoStore:
    """Fails if asked anything: ids that cannot exist never reach the store."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"the store was asked {name}")


# -- validation ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("  Southeast  Asia push ", "Southeast Asia push"),
        ("東南亞\t重點\n市場", "東南亞 重點 市場"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),  # kept as text, never run
        ("[x](http://evil)", "[x](http://evil)"),
        ("a\x00b\u202ec", "a b c"),  # control and direction characters are dropped
        ("x" * MAX_NAME, "x" * MAX_NAME),
    ],
)
def test_names_are_trimmed_and_kept_as_written(raw: str, kept: str) -> None:
    assert clean_name(raw) == kept


@pytest.mark.parametrize(
    ("raw", "key", "en", "zh"),
    [
        ("", "watch.error.name_empty", "Give the watchlist a name", "請輸入清單名稱"),
        (" \n\t ", "watch.error.name_empty", "Give the watchlist a name", "請輸入清單名稱"),
        ("x" * (MAX_NAME + 1), "watch.error.name_long", "at most 80 characters", "最多 80 個字元"),
    ],
)
def test_bad_names_say_why_in_both_languages(raw: str, key: str, en: str, zh: str) -> None:
    with pytest.raises(WatchlistError) as caught:
        clean_name(raw)
    assert caught.value.key == key
    assert en in caught.value.text("en") and en in caught.value.message
    assert zh in caught.value.text("zh-TW")


def test_countries_are_upper_cased_without_repeats_in_order() -> None:
    assert clean_countries(["kor", " JPN", "KOR", ""], KNOWN) == ("KOR", "JPN")


@pytest.mark.parametrize(
    ("codes", "key", "en", "zh"),
    [
        ([], "watch.error.no_countries", "at least one country", "至少選擇一個國家"),
        (["JPN", "XXX", "<B>"], "watch.error.unknown_countries", "XXX, <B>", "XXX, <B>"),
        (
            [f"C{i:02d}" for i in range(MAX_COUNTRIES + 1)],
            "watch.error.too_many",
            f"at most {MAX_COUNTRIES} countries (this one has {MAX_COUNTRIES + 1})",
            f"最多 {MAX_COUNTRIES} 個國家",
        ),
    ],
)
def test_bad_countries_say_why_in_both_languages(
    codes: list[str], key: str, en: str, zh: str
) -> None:
    with pytest.raises(WatchlistError) as caught:
        clean_countries(codes, KNOWN)
    assert caught.value.key == key
    assert en in caught.value.text("en")
    assert zh in caught.value.text("zh-TW")


# -- saving, loading, listing, deleting ------------------------------------------------------
def test_save_load_list_delete(store: DuckDBStore) -> None:
    first = create_watchlist(
        store, "Asia", ["KOR", "JPN", "VNM"], _view(), RANKED, data_version="v1", known=KNOWN
    )
    second = create_watchlist(store, "Europe", ["DEU"], _view(), RANKED, data_version="v1")
    assert first.id != second.id and len(first.id) == 10
    again = load_watchlist(store, first.id)
    assert again == first
    assert again.countries == ("KOR", "JPN", "VNM")
    assert again.ranks == {"KOR": 2.0, "JPN": 1.0, "VNM": None}  # VNM was not ranked
    assert again.scores == {"KOR": 75.0, "JPN": 80.0, "VNM": 60.0}
    assert again.data_version == "v1"
    # The view travels with it: same preset, weights and date, pinned to its data version.
    spec = again.view().spec
    assert spec.preset == "balanced" and spec.as_of == "2025-06-01"
    assert spec.data_version == "v1"
    assert "lang" not in again.query
    assert {w.id for w in list_watchlists(store)} == {first.id, second.id}
    delete_watchlist(store, first.id)
    assert [w.id for w in list_watchlists(store)] == [second.id]
    with pytest.raises(WatchlistError) as caught:
        load_watchlist(store, first.id)
    assert caught.value.key == "watch.error.unknown"


def test_a_full_store_refuses_another_watchlist_and_says_why(
    store: DuckDBStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("risk.watchlists.MAX_WATCHLISTS", 2)
    for name in ("a", "b"):
        create_watchlist(store, name, ["KOR"], _view(), RANKED, data_version="v1", known=KNOWN)
    with pytest.raises(WatchlistError) as caught:
        create_watchlist(store, "c", ["KOR"], _view(), RANKED, data_version="v1", known=KNOWN)
    assert caught.value.key == "watch.error.store_full"
    assert "2 watchlists" in caught.value.text("en") and "2 份" in caught.value.text("zh-TW")
    assert len(list_watchlists(store)) == 2


def test_a_second_store_object_sees_the_same_watchlists(
    store: DuckDBStore, datasets_dir: Path
) -> None:
    saved = create_watchlist(
        store, "Shared", ["USA"], _view(), RANKED, data_version="v1", known=KNOWN
    )
    other = DuckDBStore(store.path, datasets_dir)
    assert load_watchlist(other, saved.id).name == "Shared"


def test_the_countries_table_decides_which_codes_are_known(store: DuckDBStore) -> None:
    with pytest.raises(WatchlistError, match="ZZZ"):
        create_watchlist(store, "x", ["JPN", "ZZZ"], _view(), RANKED, data_version="v1")
    assert list_watchlists(store) == []  # nothing half-saved


@pytest.mark.parametrize("wid", [None, "", "nope", "../../etc", "ABCDEF0123", "0" * 11])
def test_ids_that_cannot_exist_are_unknown_without_asking_the_store(wid: str | None) -> None:
    with pytest.raises(WatchlistError) as caught:
        load_watchlist(NoStore(), wid)  # type: ignore[arg-type]
    assert "cannot be found" in caught.value.text("en")
    assert "找不到" in caught.value.text("zh-TW")


def test_damaged_records_are_left_out_of_the_list_and_say_so(store: DuckDBStore) -> None:
    store.put_record("watchlist", "0123456789", "{not json")
    assert list_watchlists(store) == []
    with pytest.raises(WatchlistError) as caught:
        load_watchlist(store, "0123456789")
    assert caught.value.key == "watch.error.damaged"


def test_json_round_trip_keeps_missing_numbers_as_none() -> None:
    made = new_watchlist(
        "n", ["SGP", "JPN"], _view(), RANKED, KNOWN, data_version="v1", today=date(2025, 6, 1)
    )
    assert Watchlist.from_json(made.to_json()) == made
    assert made.ranks["SGP"] is None and made.scores["SGP"] is None
    assert not made.as_of_fixed  # saved 'as of today'


def test_the_date_follows_today_unless_the_user_chose_one() -> None:
    when = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
    today = new_watchlist(
        "a", ["JPN"], _view(), RANKED, KNOWN, data_version="v1", now=when, today=date(2025, 6, 1)
    )
    assert today.spec_now("v2", today=date(2026, 1, 5)).as_of == "2026-01-05"
    assert today.spec_now("v2").data_version == "v2"
    chosen = new_watchlist(
        "b", ["JPN"], _view(), RANKED, KNOWN, data_version="v1", now=when, today=date(2025, 9, 9)
    )
    assert chosen.as_of_fixed
    assert chosen.spec_now("v2", today=date(2026, 1, 5)).as_of == "2025-06-01"


# -- what changed since ----------------------------------------------------------------------
def test_changes_since_saved_statuses() -> None:
    saved = new_watchlist(
        "w", ["JPN", "KOR", "DEU", "VNM", "SGP"], _view(), RANKED, KNOWN, data_version="v1"
    )
    now = pd.DataFrame(
        {
            "iso3": ["KOR", "JPN", "VNM", "DEU", "SGP"],
            "rank": [1.0, 2.0, 3.0, np.nan, np.nan],
            "score": [81.0, 79.0, 72.0, 69.0, np.nan],
            "reason": ["", "", "", "EAR D:5", ""],
        }
    )
    changes = changes_since_saved(saved, now).set_index("iso3")
    assert list(changes.index) == ["JPN", "KOR", "DEU", "VNM", "SGP"]  # the list's order
    assert changes.loc["KOR", "rank_change"] == 1 and changes.loc["JPN", "rank_change"] == -1
    assert changes.loc["KOR", "score_change"] == pytest.approx(6.0)
    assert dict(changes["status"]) == {
        "JPN": "ranked",
        "KOR": "ranked",
        "DEU": "excluded",
        "VNM": "newly_ranked",
        "SGP": "not_ranked",
    }
    assert changes.loc["DEU", "reason"] == "EAR D:5"
    assert np.isnan(changes.loc["DEU", "rank_now"])
    assert change_counts(changes.reset_index()) == {
        "up": 1,
        "down": 1,
        "excluded": 1,
        "newly_ranked": 1,
    }
    shown = changes_table(changes.reset_index(), {"JPN": "Japan"}, "en").set_index("iso3")
    assert shown.loc["JPN", "name"] == "Japan" and shown.loc["KOR", "name"] == "KOR"
    assert shown.loc["KOR", "move"] == "▲ 1" and shown.loc["JPN", "move"] == "▼ 1"
    assert shown.loc["DEU", "status"] == "now excluded" and "D:5" in shown.loc["DEU", "reason"]
    assert shown.loc["DEU", ["rank_then", "rank_now"]].tolist() == ["3", "–"]  # never 'None'
    zh = changes_table(changes.reset_index(), {}, "zh-TW").set_index("iso3")
    assert zh.loc["VNM", "status"] == "新進排名"


@pytest.mark.parametrize(
    ("change", "status", "text"),
    [(3.0, "ranked", "▲ 3"), (-2.0, "ranked", "▼ 2"), (0.0, "ranked", "＝"),
     (np.nan, "excluded", "✕"), (np.nan, "newly_ranked", "★"), (np.nan, "not_ranked", "–")],
)  # fmt: skip
def test_moves_read_as_arrows(change: float, status: str, text: str) -> None:
    assert move_text(change, status) == text


def test_a_country_gone_from_the_data_is_excluded() -> None:
    saved = new_watchlist("w", ["JPN"], _view(), RANKED, KNOWN, data_version="v1")
    changes = changes_since_saved(saved, RANKED[RANKED["iso3"] != "JPN"])
    assert changes["status"].tolist() == ["excluded"]


def test_changes_after_a_publish(tmp_path: Path, datasets_dir: Path) -> None:
    """Saved on the bundled data; a publish boosts Chile; the list says who moved and by how much."""
    store = DuckDBStore(tmp_path / "s.duckdb", datasets_dir)
    view = _view()
    bundled = store.data_version
    before = result_table(engine_for(store).score(view.spec.replace(data_version=bundled)))
    ranked_before = before.dropna(subset=["rank"])
    chile_rank = float(before.set_index("iso3").loc["CHL", "rank"])
    assert chile_rank > 5
    picks = [*ranked_before["iso3"].head(5), "CHL"]
    saved = create_watchlist(store, "Latin America", picks, view, before, data_version=bundled)
    obs = store.table("observations")
    rows = obs[obs["iso3"] == "CHL"].sort_values("year").groupby("indicator").tail(1)
    boost = rows.assign(value=rows["value"] * 3, source="test")
    store.publish(boost[["iso3", "indicator", "year", "value", "source"]], author="test")
    now_version = store.data_version
    assert now_version != bundled
    opened = load_watchlist(store, saved.id)
    after = result_table(engine_for(store).score(opened.spec_now(now_version)))
    changes = changes_since_saved(opened, after).set_index("iso3")
    chile = changes.loc["CHL"]
    assert chile["rank_then"] == chile_rank
    assert chile["rank_now"] < chile_rank and chile["rank_change"] > 0
    assert chile["score_now"] > chile["score_then"]
    assert chile["status"] == "ranked"
    assert opened.data_version == bundled  # 'then' stays the version it was saved on


def test_list_table_keeps_names_as_text() -> None:
    hostile = new_watchlist(
        "<script>alert(1)</script>", ["JPN"], _view(), RANKED, KNOWN, data_version="v1"
    )
    table = list_table([hostile], {"JPN": "Japan"}, "en")
    assert table.loc[0, "watchlist"] == "<script>alert(1)</script>"
    assert table.loc[0, "n"] == 1 and table.loc[0, "countries"] == "Japan"


def test_the_saved_query_opens_the_same_view() -> None:
    view = _view().replace(top_n=15)
    saved = new_watchlist("w", ["JPN"], view, RANKED, KNOWN, data_version="v9")
    reopened, warnings = from_query(saved.query)
    assert warnings == []
    assert reopened.top_n == 15
    assert reopened.spec == view.spec.replace(data_version="v9")
