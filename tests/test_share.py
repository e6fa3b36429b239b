"""URL state round-trips, damaged links degrade gracefully, saved views get short ids."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from risk.errors import RiskError
from risk.share import Filters, ViewState, from_query, load_view, save_view, to_query, view_id
from risk.spec import ScoreSpec
from risk.store.embedded import DuckDBStore


def test_round_trip_full_view() -> None:
    spec = ScoreSpec(as_of="2026-11-27").with_pillar_weights({"gov": 2, "finance": 0.5})
    view = ViewState(
        spec=spec,
        filters=Filters(
            regions=("Asia",),
            incomes=("High income", "Upper middle income"),
            blocs=("oecd", "nato"),
            taiwan=("new_southbound_policy",),
            eligibility="all",
            min_pillar=(("financial", 40.0),),
            min_coverage=0.8,
            search="韓",
        ),
        metric="alignment",
        layers=("arcs", "cloud"),
        top_n=15,
        selected="KOR",
        compare=("KOR", "JPN"),
        lang="en",
    )
    back, warnings = from_query(to_query(view))
    assert warnings == []
    assert back == view


def test_defaults_are_short() -> None:
    q = to_query(ViewState(spec=ScoreSpec(as_of="2026-11-27")))
    assert set(q) == {"lang", "spec"}


@pytest.mark.parametrize(
    ("params", "warning"),
    [
        ({"spec": "s1.garbage"}, "spec"),
        ({"metric": "<script>"}, "metric"),
        ({"bloc": "nato,evil"}, "bloc"),
        ({"min": "financial:abc"}, "min"),
        ({"mincov": "7"}, "mincov"),
        ({"elig": "maybe"}, "elig"),
        ({"top": "x"}, "top"),
    ],
)
def test_damaged_parameters_are_dropped_with_a_warning(
    params: dict[str, str], warning: str
) -> None:
    view, warnings = from_query(params)
    assert any(w.startswith(warning) for w in warnings)
    assert isinstance(view, ViewState)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "spec",
                "region",
                "bloc",
                "min",
                "mincov",
                "metric",
                "layers",
                "top",
                "country",
                "compare",
                "lang",
                "q",
                "elig",
                "tw",
            ]
        ),
        st.text(max_size=40),
    )
)
def test_any_query_never_crashes(params: dict[str, str]) -> None:
    view, _ = from_query(params)
    assert view.lang in ("zh-TW", "en")
    assert len(view.compare) <= 5


def test_saved_views(tmp_path: Path) -> None:
    ds = Path(__file__).resolve().parent.parent / "datasets"
    store = DuckDBStore(tmp_path / "s.duckdb", ds)
    q = {"lang": "en", "spec": "s1.x", "region": "Asia"}
    vid = save_view(store, q)
    assert vid == view_id(q) and len(vid) == 10
    assert save_view(store, q) == vid  # idempotent
    assert load_view(store, vid) == q
    with pytest.raises(RiskError):
        load_view(store, "nope")
