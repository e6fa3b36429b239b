"""AppTest for the Data page: upload, report, metadata, publish, versions, rollback, access."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from risk.store.embedded import open_store
from tests.support import UPLOAD_META

ROOT = Path(__file__).resolve().parent.parent
GOOD = b"country,indicator,year,value\nJapan,wgi.ge,2024,1.9\nChile,upload.parks,2024,3\n"
BAD = b"country,indicator,year,value\nAtlantis,wgi.ge,2024,1\nJapan,wgi.ge,2024,<b>x</b>\n"
META = [{**UPLOAD_META, "description": ""}]


@pytest.fixture(autouse=True)
def fresh_caches() -> None:
    """Cached resources (the store) outlive an AppTest: start each test from its own data dir."""
    st.cache_resource.clear()
    st.cache_data.clear()


def data_page(lang: str = "en", secrets: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.query_params["lang"] = lang
    for key, value in (secrets or {}).items():
        at.secrets[key] = value
    at.run()
    at.switch_page("app_pages/data.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in getattr(at, kind)]


def frame(at: AppTest, column: str, nth: int = 0):  # type: ignore[no-untyped-def]
    """The nth dataframe having `column` (AppTest does not expose a dataframe's key)."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    return found[nth]


def upload(at: AppTest, data: bytes, name: str = "t.csv") -> AppTest:
    at.file_uploader(key="data_upload").set_value((name, data, "text/csv")).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_page_runs_and_lists_versions(lang: str, datasets_dir: Path, data_dir: Path) -> None:
    at = data_page(lang)
    assert at.title[0].value == ("資料管理" if lang == "zh-TW" else "Data management")
    versions = frame(at, "版本" if lang == "zh-TW" else "Version")
    assert len(versions) == 1


def test_bad_file_shows_row_errors_and_cannot_publish(datasets_dir: Path, data_dir: Path) -> None:
    at = upload(data_page(), BAD)
    assert any("fix them" in e for e in texts(at, "error"))
    issues = frame(at, "How to fix")
    assert set(issues["Row"].dropna().astype(int)) == {2, 3}
    assert "<b>x</b>" in set(issues["Value"])  # shown as data in a table, never as markup
    assert at.button(key="data_publish").disabled
    assert open_store().data_version.startswith("bundled-")


def test_upload_metadata_preview_publish_and_rollback(datasets_dir: Path, data_dir: Path) -> None:
    at = upload(data_page(), GOOD)
    assert any("fix them" in e for e in texts(at, "error"))  # the new indicator needs metadata
    at.session_state["data_meta_json"] = json.dumps(META)
    at.run()
    assert not at.exception
    assert any("ready to publish" in s for s in texts(at, "success"))
    movers = frame(at, "Rank change")
    assert "JPN" in set(movers["ISO3"])
    at.button(key="data_publish").click().run()
    published = [s for s in texts(at, "success") if "Published data version" in s]
    assert published
    store = open_store()
    version = store.data_version
    assert version in published[0]
    assert store.versions()["author"].iloc[0]
    at.run()
    assert len(frame(at, "Version")) == 2
    bundled = store.versions()["version"].iloc[-1]
    at.selectbox(key="data_version_pick").set_value(bundled).run()
    at.button(key="data_rollback").click().run()
    assert store.data_version == bundled
    at.selectbox(key="data_diff_a").set_value(bundled)
    at.selectbox(key="data_diff_b").set_value(version).run()
    diff = frame(at, "Value (to)")
    assert {"JPN", "CHL"} <= set(diff["ISO3"])


def test_viewer_cannot_upload_when_a_password_is_set(datasets_dir: Path, data_dir: Path) -> None:
    at = data_page(secrets={"analyst_password": "s3cret"})
    assert any("only analysts" in i for i in texts(at, "info"))
    assert not at.get("file_uploader")
    assert not [b for b in at.button if b.key == "data_rollback"]
    at.text_input(key="data_password").set_value("wrong").run()
    assert any("Wrong password" in e for e in texts(at, "error"))
    at.text_input(key="data_password").set_value("s3cret").run()
    assert at.file_uploader(key="data_upload") is not None
    assert [b for b in at.button if b.key == "data_rollback"]


def test_oidc_configured_shows_sign_in(datasets_dir: Path, data_dir: Path) -> None:
    auth = {
        "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
        "cookie_secret": "c" * 32,
        "client_id": "x",
        "client_secret": "y",
        "server_metadata_url": "http://127.0.0.1/",
    }
    at = data_page(secrets={"auth": auth})
    assert any("only analysts" in i for i in texts(at, "info"))
    assert [b for b in at.button if b.key == "data_login"]


def test_refresh_button_offline(
    datasets_dir: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RISK_WORLDBANK_URL", "http://127.0.0.1:9/v2")
    at = data_page()
    at.button(key="data_refresh").click().run()
    assert any("could not be reached" in w for w in texts(at, "warning"))
    assert open_store().data_version.startswith("bundled-")
