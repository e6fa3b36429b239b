"""What changed between data versions: ranks, scores, movers and their driving indicators, the
baseline chosen (previous version or a day), and the words the pages show."""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "scoring"))
import tiny  # noqa: E402

from risk.ingest.common import write_parquet  # noqa: E402
from risk.present.changes import (  # noqa: E402
    arrow,
    baseline_note,
    country_change,
    entries_table,
    events_view,
    movers_table,
    summary,
)
from risk.scenarios import runs  # noqa: E402
from risk.scoring.changes import (  # noqa: E402
    BEFORE_STORE,
    DOWN,
    ENTERED,
    LEFT,
    MEANINGFUL_MOVE,
    NO_EARLIER,
    PENALTY,
    SAME_VERSION,
    UP,
    Baseline,
    baseline_for,
    compare_versions,
    contribution_frame,
    previous_version,
    version_changes,
)
from risk.scoring.explain import explain  # noqa: E402
from risk.spec import ScoreSpec  # noqa: E402
from risk.store.embedded import DuckDBStore  # noqa: E402

COUNTRIES = ["AAA", "BBB", "CCC", "DDD", "EEE"]
# Government effectiveness (gov_support) and political stability (financial) from the bundled
# framework; every other indicator is missing, so each country's score is
# (ge normalised + 50 + pv normalised) / 3 (the US-agreements indicator is 0 for all: 50).
GE = [0.0, 1.0, 2.0, 3.0, 4.0]
PV = [0.0, 10.0, 20.0, 30.0, 40.0]
SPEC = ScoreSpec(mc_draws=0, as_of="2026-06-30", outliers="none")


def _rows(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["iso3", "indicator", "value"])
    df.insert(2, "year", 2024)
    df["year"] = df["year"].astype("int32")
    df["source"] = "test"
    return df


@pytest.fixture()
def store(tmp_path: Path) -> DuckDBStore:
    ds = tmp_path / "datasets"
    write_parquet(
        pd.DataFrame(
            {
                "iso3": COUNTRIES,
                "name_en": [f"Country {c}" for c in COUNTRIES],
                "name_zh_tw": [f"國家{c}" for c in COUNTRIES],
                "region": "Europe",
                "sovereign": True,
                "income_group": "High income",
            }
        ),
        ds / "countries.parquet",
    )
    rows = [(c, "wgi.ge", v) for c, v in zip(COUNTRIES, GE, strict=True)]
    rows += [(c, "wgi.pv", v) for c, v in zip(COUNTRIES, PV, strict=True)]
    write_parquet(_rows(rows), ds / "observations.parquet")
    empty = pd.Series([], dtype=str)
    write_parquet(
        pd.DataFrame(
            {c: empty for c in ("iso3", "group_code", "effective_from", "effective_to", "status")}
        ),
        ds / "export_controls.parquet",
    )
    (ds / "manifest.json").write_text(json.dumps({"tables": {"a": 1}}))
    return DuckDBStore(tmp_path / "s.duckdb", ds)


def _publish_aaa(store: DuckDBStore) -> str:
    # AAA's effectiveness becomes the new top (10) and its stability 25: ge is now normalised over
    # 1..10 and pv over 10..40. AAA = (100 + 50 + 50) / 3 = 66.7, first; EEE = (33.3 + 50 + 100)
    # / 3 = 61.1; DDD = (22.2 + 50 + 66.7) / 3 = 46.3; CCC = (11.1 + 50 + 33.3) / 3 = 31.5;
    # BBB = (0 + 50 + 0) / 3 = 16.7.
    info = store.publish(_rows([("AAA", "wgi.ge", 10.0), ("AAA", "wgi.pv", 25.0)]), author="t")
    return info.version


def test_a_published_change_moves_a_country_and_names_what_drove_it(store: DuckDBStore) -> None:
    bundled = store.data_version
    published = _publish_aaa(store)
    changes = version_changes(store, SPEC, bundled)
    assert (changes.before_version, changes.after_version) == (bundled, published)
    t = changes.table.set_index("iso3")
    assert t["rank_before"].to_dict() == {"AAA": 5, "BBB": 4, "CCC": 3, "DDD": 2, "EEE": 1}
    assert t["rank"].to_dict() == {"AAA": 1, "BBB": 5, "CCC": 4, "DDD": 3, "EEE": 2}
    assert t["rank_change"].to_dict() == {"AAA": 4, "BBB": -1, "CCC": -1, "DDD": -1, "EEE": -1}
    aaa = t.loc["AAA"]
    assert aaa["score_before"] == pytest.approx(50 / 3)
    assert aaa["score"] == pytest.approx(200 / 3)
    assert aaa["score_change"] == pytest.approx(50.0)
    assert (aaa["status"], bool(aaa["mover"])) == (UP, True)
    (code1, d1), (code2, d2) = aaa["drivers"]
    assert (code1, code2) == ("wgi.ge", "wgi.pv")
    assert (d1, d2) == (pytest.approx(100 / 3), pytest.approx(50 / 3))
    # One place down is a side effect, not a move.
    assert t.loc["EEE", "status"] == DOWN and not t.loc["EEE", "mover"]
    assert t.loc["EEE", "drivers"][0][0] == "wgi.ge"
    assert changes.movers(UP)["iso3"].tolist() == ["AAA"]
    assert changes.movers(DOWN).empty


def test_the_movement_in_words_in_both_languages(store: DuckDBStore) -> None:
    bundled = store.data_version
    _publish_aaa(store)
    changes = version_changes(store, SPEC, bundled)
    en = movers_table(changes, UP, "en").iloc[0].to_dict()
    assert en == {
        "country": "Country AAA",
        "rank": "5 → 1",
        "move": "▲4",
        "score": "16.7 → 66.7 (+50.0)",
        "drivers": "Government effectiveness +33.3, Political stability +16.7",
    }
    zh = movers_table(changes, UP, "zh-TW").iloc[0]
    assert (zh["country"], zh["drivers"]) == ("國家AAA", "政府效能 +33.3、政治穩定 +16.7")
    assert movers_table(changes, DOWN, "en").empty
    assert summary(changes, "en").startswith(
        f"1 rose and 0 fell {MEANINGFUL_MOVE} places or more; 0 entered the ranking and 0 left it."
    )
    assert f"{MEANINGFUL_MOVE} 名以上" in summary(changes, "zh-TW")
    aaa = country_change(changes, "AAA", "en")
    assert aaa is not None
    assert (aaa.rank, aaa.rank_delta, aaa.score, aaa.score_delta) == (
        "5 → 1",
        "+4",
        "16.7 → 66.7",
        "+50.0",
    )
    assert aaa.note == "Up 4 places (a move counts from 3 places)."
    eee = country_change(changes, "EEE", "en")
    assert eee is not None and eee.rank_delta == "-1"
    assert eee.note.startswith("Moved 1 place(s), fewer than 3: not counted as a move")


def test_countries_entering_and_leaving_the_ranking() -> None:
    before = tiny.engine(tiny.HAND, version="v1").score(
        ScoreSpec(as_of=tiny.AS_OF, mc_draws=0, outliers="none")
    )
    after = tiny.engine(
        tiny.HAND, version="v2", controls=[("CCC", "E:1", None, None, "listed")]
    ).score(ScoreSpec(as_of=tiny.AS_OF, mc_draws=0, outliers="none"))
    changes = compare_versions(before, after)
    t = changes.table.set_index("iso3")
    assert t.loc["CCC", "status"] == LEFT and t.loc["CCC", "mover"]
    assert t.loc["CCC", "reason"] == "EAR E:1" and np.isnan(t.loc["CCC", "rank"])
    assert t.loc["AAA", "rank_change"] == 1 and not t.loc["AAA", "mover"]  # 3 -> 2 as CCC left
    assert t.loc["AAA", "drivers"] == ()  # its score did not change
    left = entries_table(changes, "en").iloc[0].to_dict()
    assert left == {
        "country": "Country CCC",
        "status": "Left",
        "rank": "2 → –",
        "reason": "EAR Country Group E:1",
    }
    back = compare_versions(after, before)
    assert back.table.set_index("iso3").loc["CCC", "status"] == ENTERED
    note = country_change(back, "CCC", "en")
    assert note is not None and note.note.startswith("Entered the ranking (left out before: ")


def test_a_penalty_change_is_a_driver() -> None:
    eng = tiny.engine(tiny.HAND, version="v1")
    penalised = tiny.engine(
        tiny.HAND, version="v2", controls=[("BBB", "D:1", None, None, "listed")]
    )
    spec = ScoreSpec(as_of=tiny.AS_OF, mc_draws=0, outliers="none", d_group_penalty=60.0)
    changes = compare_versions(eng.score(spec), penalised.score(spec))
    bbb = changes.country("BBB")
    assert bbb is not None
    assert bbb["drivers"] == ((PENALTY, pytest.approx(-60.0)),)
    assert (bbb["rank_before"], bbb["rank"]) == (1, 2)  # 87.5 -> 27.5, below CCC's 37.5


@pytest.mark.parametrize("aggregation", ["arithmetic", "geometric"])
def test_contributions_add_up_to_the_score_and_match_explain(aggregation: str) -> None:
    eng = tiny.engine(tiny.HAND, controls=[("CCC", "D:3", None, None, "listed")])
    spec = ScoreSpec(as_of=tiny.AS_OF, mc_draws=0, aggregation=aggregation, d_group_penalty=5.0)
    result = eng.score(spec)
    frame = contribution_frame(result)
    scores = result.table.set_index("iso3")["score"]
    assert frame.sum(axis=1).to_dict() == pytest.approx(scores.to_dict())
    for iso in tiny.HAND:
        lines = explain(result, iso).set_index("code")["contribution"]
        assert frame.loc[iso, lines.index.drop(PENALTY, errors="ignore")].to_dict() == (
            pytest.approx(lines.drop(PENALTY, errors="ignore").to_dict())
        )


def test_previous_version_and_the_version_on_a_day(store: DuckDBStore) -> None:
    bundled = store.data_version
    assert previous_version(store, bundled) is None
    assert baseline_for(store, bundled) == Baseline(None, None, NO_EARLIER)
    today = date.today()
    assert baseline_for(store, bundled, today - timedelta(days=30)).note == NO_EARLIER
    published = _publish_aaa(store)
    assert previous_version(store, published) == bundled
    base = baseline_for(store, published)
    assert (base.version, base.note) == (bundled, "")
    assert base.since == store.version_info(bundled).created_at.date()
    # Both versions were made today: when today began there was none, so the first is used.
    assert baseline_for(store, published, today) == Baseline(bundled, today, BEFORE_STORE)
    tomorrow = today + timedelta(days=1)
    assert baseline_for(store, published, tomorrow) == Baseline(None, tomorrow, SAME_VERSION)
    store.rollback(bundled, author="t")
    assert previous_version(store, bundled) == published  # what the rollback replaced


def test_notes_say_there_is_nothing_to_compare() -> None:
    none = baseline_note(Baseline(None, None, NO_EARLIER), "v1", "en")
    assert none == (
        "No earlier data version to compare with; publish or refresh data to see changes."
    )
    assert "沒有更早的資料版本" in baseline_note(Baseline(None, None, NO_EARLIER), "v1", "zh-TW")
    same = baseline_note(Baseline(None, date(2026, 1, 2), SAME_VERSION), "v1", "en")
    assert "2026-01-02" in same and "v1" in same
    assert baseline_note(Baseline("v0", date(2026, 1, 2)), "v1", "en") == ""


def test_arrows() -> None:
    assert [arrow(x) for x in (4.0, -2.0, 0.0, float("nan"))] == ["▲4", "▼2", "–", ""]


def test_one_threshold_for_scenarios_and_versions() -> None:
    assert runs.MEANINGFUL_MOVE is MEANINGFUL_MOVE == 3


def test_event_links_are_only_web_addresses() -> None:
    events = pd.DataFrame(
        {
            "date": [date(2026, 2, 1), date(2026, 1, 5)],
            "kind": ["us_agreement", "bis_rule"],
            "iso3": ["AAA", ""],
            "title": ["[click](javascript:alert(1))", "Rule"],
            "source_url": ["javascript:alert(1)", "https://www.federalregister.gov/d/2026-1"],
        }
    )
    view = events_view(events, pd.Series({"AAA": "Country AAA"}), "en")
    assert view["link"].tolist() == ["", "https://www.federalregister.gov/d/2026-1"]
    assert view["country"].tolist() == ["Country AAA", ""]
    assert view["date"].tolist() == ["2026-02-01", "2026-01-05"]
