"""AppTest: a real-world file on the Data page, in both languages: the detected encoding, layout and
periods shown; the new indicator described in the translated form; preview; publish."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import streamlit as st

from risk.i18n import t
from risk.present.data import metadata_json
from risk.store.embedded import open_store
from tests.test_data_page import data_page, frame, texts

# Saved by Excel for Mac: Mac Roman, CR line ends, fiscal and half-year headers, a WB aggregate.
MAC = (
    "Country,FY2024,H1 2025,H2 2025\r"
    "Türkiye,1.5,1.6,1.7\r"
    "Congo (DRC),0.2,0.3,0.4\r"
    '"Korea, Rep.",2.1,2.2,2.3\r'
    "Japan,3.0,3.1,3.2\r"
    "East Asia & Pacific,9,9,9\r"
).encode("mac_roman")


@pytest.fixture(autouse=True)
def fresh_caches() -> None:
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_upload_detect_describe_preview_publish(
    lang: str, datasets_dir: Path, data_dir: Path
) -> None:
    at = data_page(lang)
    at.text_input(key="data_indicator").set_value("upload.ai_capex")
    at.file_uploader(key="data_upload").set_value(("capex.csv", MAC, "text/csv")).run()
    assert not at.exception, [e.message for e in at.exception]

    detected = frame(at, t("data.col.what", lang)).set_index(t("data.col.what", lang))
    found = detected[t("data.col.found", lang)]
    assert found[t("data.detected.encoding", lang)] == "mac_roman"
    assert found[t("data.detected.layout", lang)] == t("data.layout.wide_years", lang)
    assert "FY2024 → 2024" in found[t("data.detected.periods", lang)]
    assert (
        "H1 2025 → 2025" + t("data.detected.period_dropped", lang)
        in found[t("data.detected.periods", lang)]
    )
    assert "East Asia & Pacific" in found[t("data.detected.aggregates", lang)]

    # Only the description is missing: countries all matched, in the same report.
    issues = frame(at, t("data.col.fix", lang))
    kinds = set(issues[t("data.col.code", lang)])
    assert kinds & {t("data.kind.meta_missing", lang), t("data.kind.meta_field", lang)}
    assert t("data.kind.country_unmatched", lang) not in kinds

    # The form: translated headers, pillar and direction by name.
    form = frame(at, t("data.meta.col.code", lang))
    assert list(form.columns) == [
        t(f"data.meta.col.{c}", lang)
        for c in (
            "code", "name_en", "name_zh", "unit", "pillar", "direction", "weight", "source",
            "licence", "year", "description",
        )
    ]  # fmt: skip
    row = form.iloc[0]
    assert row[t("data.meta.col.code", lang)] == "upload.ai_capex"
    assert row[t("data.meta.col.pillar", lang)] == t("data.meta.pillar_none", lang)
    assert row[t("data.meta.col.direction", lang)] == t("data.meta.direction.1", lang)
    assert row[t("data.meta.col.year", lang)] == "2025"

    # The analyst fills the form in their language (as the editor would hand it back).
    filled = form.copy()
    filled[t("data.meta.col.name_en", lang)] = "AI capex"
    filled[t("data.meta.col.name_zh", lang)] = "AI 資本支出"
    filled[t("data.meta.col.unit", lang)] = "USD bn"
    filled[t("data.meta.col.source", lang)] = "analyst survey"
    filled[t("data.meta.col.licence", lang)] = "internal"
    filled[t("data.meta.col.pillar", lang)] = t("scoring.pillar.compute_demand", lang)
    filled[t("data.meta.col.weight", lang)] = 1.0
    at.session_state["data_meta_json"] = metadata_json(filled, lang)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    ok = t("data.report.ok", lang)
    assert ok in texts(at, "success"), texts(at, "error")

    movers = frame(at, t("data.col.why", lang))
    reasons = set(movers[t("data.col.why", lang)])
    assert reasons <= {t(f"data.preview.why.{w}", lang) for w in ("own", "imputed", "scale")}
    assert t("data.preview.why.own", lang) in reasons
    if t("data.preview.why.imputed", lang) in reasons:
        assert any(
            t("data.preview.imputation_note", lang, n=0).split("0")[-1][:6] in i
            for i in texts(at, "info")
        )

    at.button(key="data_publish").click().run()
    assert not at.exception, [e.message for e in at.exception]
    store = open_store()
    assert not store.data_version.startswith("bundled-")
    obs = store.table("observations")
    mine = obs[obs["indicator"] == "upload.ai_capex"]
    assert set(mine["iso3"]) == {"TUR", "COD", "KOR", "JPN"}
    assert mine.groupby("iso3")["year"].max().eq(2025).all()

    versions = frame(at, t("data.col.version", lang))
    assert (
        versions[t("data.col.created_at", lang)]
        .str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
        .all()
    )
    bundled = store.versions()["version"].iloc[-1]
    at.selectbox(key="data_diff_a").set_value(bundled)
    at.selectbox(key="data_diff_b").set_value(store.data_version).run()
    diff = frame(at, t("data.col.change", lang))
    assert set(diff[t("data.col.change", lang)]) <= {
        t(f"data.change.{c}", lang) for c in ("added", "removed", "changed")
    }
    shown = diff.astype(str)
    assert (
        not shown.isin(["None", "nan", "<NA>", "added"] if lang != "en" else ["None"]).any().any()
    )
    assert isinstance(diff, pd.DataFrame)


def test_choosing_another_encoding_on_the_page(datasets_dir: Path, data_dir: Path) -> None:
    at = data_page("en")
    at.text_input(key="data_indicator").set_value("wgi.ge")
    at.file_uploader(key="data_upload").set_value(("capex.csv", MAC, "text/csv")).run()
    at.selectbox(key="data_encoding").set_value("cp1252").run()
    assert not at.exception, [e.message for e in at.exception]
    detected = frame(at, "Item").set_index("Item")["Found"]
    assert detected["Text encoding"] == "cp1252"
    issues = frame(at, "How to fix")
    assert "TŸrkiye" in set(issues["Value"])  # the wrong choice shows in the names
