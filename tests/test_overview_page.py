"""The overview page in AppTest: weights, filters, URL state and a simulated map pick."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from risk.scoring.engine import engine_for
from risk.scoring.result import result_table
from risk.share import from_query
from risk.spec import ScoreSpec
from risk.store.embedded import open_store
from tests.support import query as url_query

ROOT = Path(__file__).resolve().parent.parent


def _app(params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    return at.run()


def _table(at: AppTest) -> pd.DataFrame:
    assert not at.exception, [e.message for e in at.exception]
    return at.dataframe[0].value


def test_weight_change_reorders_as_the_scorer_says(datasets_dir: Path, data_dir: Path) -> None:
    at = _app()
    before = _table(at)["iso3"].tolist()[:10]
    at.slider(key="w_gov_support").set_value(70).run()
    weights = {
        p: at.session_state[f"w_{p}"]
        for p in ("gov_support", "compute_demand", "alignment", "financial")
    }
    assert sum(weights.values()) == 100 and weights["gov_support"] == 70
    assert at.session_state["preset"] == "custom"
    after = _table(at)["iso3"].tolist()[:10]
    # the scorer, called directly with the spec the URL now carries, gives the same order
    view, warnings = from_query(url_query(at))
    assert warnings == []
    expected = result_table(engine_for(open_store()).score(view.spec))
    assert after == expected[expected["eligible"]]["iso3"].tolist()[:10]
    assert after != before


def test_preset_sets_weights(datasets_dir: Path, data_dir: Path) -> None:
    at = _app()
    at.selectbox(key="preset").set_value("cloud").run()
    weights = [
        at.session_state[f"w_{p}"]
        for p in ("gov_support", "compute_demand", "alignment", "financial")
    ]
    assert sum(weights) == 100 and weights[1] == max(weights)
    assert from_query(url_query(at))[0].spec.preset == "cloud"


@pytest.mark.parametrize(
    ("key", "value", "check"),
    [
        ("f_region", ["Asia"], lambda c: c["region"] == "Asia"),
        ("f_income", ["Lower middle income"], lambda c: c["income_group"] == "Lower middle income"),
        ("f_bloc", ["nato"], lambda c: c["bloc_nato"]),
        ("f_tw", ["new_southbound_policy"], lambda c: c["new_southbound_policy"]),
    ],
)
def test_each_filter_narrows_the_table(
    datasets_dir: Path, data_dir: Path, key: str, value: list[str], check
) -> None:  # type: ignore[no-untyped-def]
    at = _app()
    everyone = set(_table(at)["iso3"])
    at.multiselect(key=key).set_value(value).run()
    shown = _table(at)
    countries = pd.read_parquet(datasets_dir / "countries.parquet").set_index("iso3")
    assert 0 < len(shown) < len(everyone)
    assert all(check(countries.loc[i]) for i in shown["iso3"])
    expected = {i for i in everyone if check(countries.loc[i])}
    assert set(shown["iso3"]) == expected


def test_minimum_scores_and_eligibility(datasets_dir: Path, data_dir: Path) -> None:
    at = _app()
    at.slider(key="f_min_financial").set_value(60.0).run()
    df = _table(at)
    assert (df["financial"] >= 60).all()
    at.slider(key="f_min_financial").set_value(0.0).run()
    at.radio(key="f_elig").set_value("ineligible").run()
    df = _table(at)
    assert not df["eligible"].any() and {"CHN", "USA", "TWN"} <= set(df["iso3"])


def test_query_parameters_round_trip(datasets_dir: Path, data_dir: Path) -> None:
    at = _app()
    at.slider(key="w_financial").set_value(55).run()
    at.multiselect(key="f_region").set_value(["Europe"]).run()
    at.selectbox(key="metric").set_value("alignment").run()
    query = url_query(at)
    top = _table(at)["iso3"].tolist()[:10]
    fresh = _app(query)
    assert _table(fresh)["iso3"].tolist()[:10] == top
    assert fresh.session_state["w_financial"] == 55
    assert fresh.session_state["metric"] == "alignment"
    assert url_query(fresh) == query
    deck_a = at.get("deck_gl_json_chart")[0].proto.json
    deck_b = fresh.get("deck_gl_json_chart")[0].proto.json
    assert deck_a == deck_b  # same map colouring


def test_damaged_link_warns_and_still_works(datasets_dir: Path, data_dir: Path) -> None:
    at = _app({"spec": "s1.broken", "metric": "nope"})
    assert len(_table(at)) > 100
    assert len(at.warning) >= 1


def test_saved_view_short_link(datasets_dir: Path, data_dir: Path) -> None:
    at = _app()
    at.multiselect(key="f_region").set_value(["Africa"]).run()
    at.button(key="save_view").click().run()
    link = [c.value for c in at.code if "view=" in c.value][0]
    vid = link.split("view=")[1]
    fresh = _app({"view": vid})
    assert fresh.session_state["f_region"] == ["Africa"]
    assert set(_table(fresh)["iso3"]) == set(_table(at)["iso3"])


def test_simulated_map_pick_selects_country(datasets_dir: Path, data_dir: Path) -> None:
    at = _app()
    feature = {"type": "Feature", "properties": {"iso3": "VNM"}}
    at.session_state["overview_map"] = {
        "selection": {"indices": {"countries": [0]}, "objects": {"countries": [feature]}}
    }
    at.run()
    assert not at.exception
    assert at.session_state["selected"] == "VNM"
    assert url_query(at)["country"] == "VNM"
    assert any("越南" in m.value for m in at.markdown)


def test_spec_in_url_is_reproducible(datasets_dir: Path, data_dir: Path) -> None:
    spec = ScoreSpec.from_preset("hardware", as_of="2026-11-27").with_pillar_weights(
        {"alignment": 3}
    )
    at = _app({"spec": spec.to_url()})
    expected = result_table(engine_for(open_store()).score(spec))
    assert _table(at)["iso3"].tolist()[:10] == expected[expected["eligible"]]["iso3"].tolist()[:10]


def test_switching_pages_keeps_the_view_and_language(datasets_dir: Path, data_dir: Path) -> None:
    at = _app({"lang": "en"})
    at.slider(key="w_alignment").set_value(60).run()
    at.multiselect(key="f_region").set_value(["Asia"]).run()
    top = _table(at)["iso3"].tolist()[:10]
    query = url_query(at)
    at.switch_page("app_pages/methodology.py").run()
    assert not at.exception
    assert at.session_state["lang"] == "en"
    at.switch_page("app_pages/overview.py").run()
    assert at.session_state["lang"] == "en"
    assert at.session_state["w_alignment"] == 60
    assert _table(at)["iso3"].tolist()[:10] == top
    assert url_query(at) == query


def test_link_pinned_to_a_version_keeps_showing_it(datasets_dir: Path, data_dir: Path) -> None:
    from risk.store.embedded import open_store

    at = _app()
    old_query = url_query(at)
    old_top = _table(at)["iso3"].tolist()[:10]
    store = open_store()
    old_version = store.data_version
    # Publish a version in which a lower-ranked country jumps in every government-support indicator.
    ranked = _table(at)
    mover = ranked["iso3"].iloc[40]
    obs = store.table("observations")
    latest = obs[obs["iso3"] == mover].sort_values("year").groupby("indicator").tail(1)
    best = obs.groupby("indicator")["value"].max()
    boosted = latest.assign(value=latest["indicator"].map(best), source="test upload")
    store.publish(
        boosted[["iso3", "indicator", "year", "value", "source"]], author="test", note="boost"
    )
    assert store.data_version != old_version
    # The old link shows the old data and says so; a fresh visit shows the new data.
    pinned = _app(old_query)
    assert _table(pinned)["iso3"].tolist()[:10] == old_top
    assert any(old_version in i.value for i in pinned.info)
    fresh = _app()
    assert mover in _table(fresh)["iso3"].tolist()[:15]
    assert fresh.info == [] or all(old_version not in i.value for i in fresh.info)


def test_search_says_why_a_country_is_not_listed(datasets_dir: Path, data_dir: Path) -> None:
    at = _app()
    at.text_input(key="f_search").set_value("中國").run()
    hints = " ".join(i.value for i in at.info)
    assert "中國" in hints and "出口資格" in hints  # China is not ranked, and how to show it
    at.radio(key="f_elig").set_value("all").run()
    assert "CHN" in set(_table(at)["iso3"])
    assert "中國" not in " ".join(i.value for i in at.info)  # listed now: no hint
    at.multiselect(key="f_region").set_value(["Europe"]).run()  # hidden by the region now
    hints = " ".join(i.value for i in at.info)
    assert "中國" in hints and "被其他篩選條件排除" in hints
    assert "出口資格" not in hints  # eligibility is already "all": no advice to change it


def test_legend_keeps_swatch_and_label_together_and_escapes() -> None:
    from risk.present.overview import legend_html

    html_text = legend_html("Score <b>", [("a<script>", [1, 2, 3, 255]), ("b", [4, 5, 6, 255])])
    assert "<script>" not in html_text and "&lt;script&gt;" in html_text
    assert "Score &lt;b&gt;" in html_text
    assert html_text.count("white-space:nowrap") == 2


def _deck_layers(at: AppTest) -> dict[str, dict]:
    import json

    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    return {layer["id"]: layer for layer in deck["layers"]}


def _tooltip_lines(at: AppTest) -> dict[str, str]:
    """Each country's tooltip lines that depend on the view: the map's style sheet gives them as
    generated text (the shapes and names come from the static shapes file)."""
    import re

    sheet = next(h.proto.body for h in at.get("html") if "data-tip=" in h.proto.body)

    def text(css: str) -> str:
        return re.sub(r"\\([0-9a-f]{6})", lambda m: chr(int(m.group(1), 16)), css)

    rules = re.findall(r'data-tip="((?:[^"\\]|\\.)*)"\]::after\{content:"((?:[^"\\]|\\.)*)"', sheet)
    return {text(code): text(lines) for code, lines in rules}


def test_build_out_and_us_agreement_layers_follow_the_url(
    datasets_dir: Path, data_dir: Path
) -> None:
    plain = _app({"lang": "en"})
    off = _deck_layers(plain)
    assert not {"buildout_existing", "buildout_planned", "us_deals"} & set(off)
    lines = " ".join(_tooltip_lines(plain).values())
    assert "AI compute" not in lines and "US AI agreements" not in lines
    at = _app({"lang": "en", "layers": "buildout,us_deals"})
    assert url_query(at)["layers"] == "buildout,us_deals"
    layers = _deck_layers(at)
    assert [k for k, v in layers.items() if v.get("pickable")] == ["countries"]
    countries = pd.read_parquet(datasets_dir / "countries.parquet").set_index("iso3")
    planned = {tuple(r["p"]) for r in layers["buildout_planned"]["data"]}
    for code in ("ARE", "SAU", "IND"):
        lon, lat = countries.loc[code, ["lon", "lat"]]
        assert (round(lon, 2), round(lat, 2)) in planned
    assert layers["us_deals"]["data"]
    notes = {code: lines.split("\n", 4)[4:] for code, lines in _tooltip_lines(at).items()}
    notes = {code: "\n".join(extra) for code, extra in notes.items()}
    assert "US-UAE AI Acceleration Partnership (2025-05-15)" in notes["ARE"]
    assert "AI compute (H100-equivalents)" in notes["SAU"]
    assert notes["MNG"] == ""
    legend = " ".join(m.value for m in at.markdown)
    assert "Planned AI compute" in legend and "US AI agreement in force" in legend
    zh = _app({"lang": "zh-TW", "layers": "buildout"})
    assert "us_deals" not in _deck_layers(zh)
    assert any("規劃中 AI 算力" in m.value for m in zh.markdown)


def test_share_link_is_drawn_when_its_panel_opens(datasets_dir: Path, data_dir: Path) -> None:
    at = _app({"lang": "en"})
    assert not at.code  # closed: no code block (and none of its script) on the first screen
    assert at.button(key="save_view")  # saving a view needs no opening first
    at.session_state["share_open"] = True
    at.run()
    link = next(c.value for c in at.code if "spec=" in c.value)
    assert url_query(at) == dict(p.split("=", 1) for p in link.split("?", 1)[1].split("&"))


def test_a_weight_event_that_changes_nothing_keeps_the_preset() -> None:
    """A rerun that re-sends a slider's unchanged value (a language switch on a busy server) must
    not turn the preset into custom weights; a real change still does."""

    def script() -> None:
        import streamlit as st

        from ui.view import PILLARS, W, _on_weight

        if "preset" not in st.session_state:
            for p in PILLARS:
                st.session_state[W[p]] = 25
            st.session_state["preset"] = "balanced"
            _on_weight(PILLARS[0])
            st.session_state["after_same"] = st.session_state["preset"]
            st.session_state[W[PILLARS[0]]] = 40
            _on_weight(PILLARS[0])
            st.session_state["after_change"] = st.session_state["preset"]

    at = AppTest.from_function(script).run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state["after_same"] == "balanced"
    assert at.session_state["after_change"] == "custom"
