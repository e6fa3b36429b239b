"""AppTest for who may change data on the Data page: access fails closed, wrong passwords slow
down, and each change records its author."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit import config
from streamlit.testing.v1 import AppTest

from risk.store.embedded import open_store

ROOT = Path(__file__).resolve().parent.parent
GOOD = b"country,indicator,year,value\nJapan,wgi.ge,2024,1.9\n"


@pytest.fixture(autouse=True)
def fresh_caches() -> None:
    """Cached resources (the store, the password throttle) outlive an AppTest."""
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture()
def secrets_file(tmp_path: Path) -> Iterator[Path]:
    """Streamlit reads its secrets from this file (written by the test) instead of the project's."""
    path = tmp_path / ".streamlit" / "secrets.toml"
    path.parent.mkdir()
    saved = config.get_option("secrets.files")
    config.set_option("secrets.files", [str(path)])
    st.secrets._reset()
    yield path
    config.set_option("secrets.files", saved)
    st.secrets._reset()


def data_page(secrets: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.query_params["lang"] = "en"
    for key, value in (secrets or {}).items():
        at.secrets[key] = value
    at.run()
    at.switch_page("app_pages/data.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def read_only(at: AppTest) -> bool:
    keys = {b.key for b in at.button}
    return (
        not at.get("file_uploader")
        and not {"data_rollback", "data_refresh", "data_publish"} & keys
        and not [i for i in at.text_input if i.key == "data_password"]
    )


def sidebar_warning(at: AppTest) -> str:
    return " ".join(str(w.value) for w in at.sidebar.warning)


def test_malformed_secrets_file_leaves_data_read_only(
    secrets_file: Path, datasets_dir: Path, data_dir: Path
) -> None:
    secrets_file.write_text('analyst_password = "s3cret\n[auth\n', encoding="utf-8")
    at = data_page()
    assert read_only(at)
    said = sidebar_warning(at)
    assert "read-only" in said and "cannot be read" in said
    assert "s3cret" not in said and str(secrets_file) not in said


def test_secrets_file_without_access_rule_is_read_only_unless_local(
    secrets_file: Path, datasets_dir: Path, data_dir: Path
) -> None:
    secrets_file.write_text('[comtrade]\napi_key = "k"\n', encoding="utf-8")
    at = data_page()
    assert read_only(at) and "sets no access rule" in sidebar_warning(at)
    secrets_file.write_text('[comtrade]\napi_key = "k"\n[data]\naccess = "local"\n')
    st.secrets._reset()
    at = data_page()
    assert at.file_uploader(key="data_upload") is not None


@pytest.mark.parametrize(
    ("secrets", "reason"),
    [
        ({"analyst_password": ""}, "analyst_password is empty"),
        ({"data": {"analysts": ["a@example.org"]}}, "no [auth] sign-in"),
        ({"auth": {}, "other": "x"}, "[auth] section is empty"),
        ({"auth": {"client_id": "x"}}, "redirect_uri, cookie_secret, client_secret"),
    ],
)
def test_empty_or_incomplete_settings_leave_data_read_only(
    secrets: dict, reason: str, datasets_dir: Path, data_dir: Path
) -> None:
    at = data_page(secrets)
    assert read_only(at)
    assert "read-only" in sidebar_warning(at) and reason in sidebar_warning(at)


def test_no_secrets_file_lets_the_local_user_edit(
    secrets_file: Path, datasets_dir: Path, data_dir: Path
) -> None:
    at = data_page()
    assert at.file_uploader(key="data_upload") is not None
    assert [b for b in at.button if b.key == "data_rollback"]


def test_wrong_passwords_lock_out_the_session(datasets_dir: Path, data_dir: Path) -> None:
    at = data_page({"analyst_password": "s3cret"})
    box = at.text_input(key="data_password")
    for i in range(4):
        box.set_value(f"wrong{i}").run()
        assert any("Wrong password" in str(e.value) for e in at.sidebar.error)
    # the same wrong value left in the box is not counted again on the next rerun
    at.run()
    at.text_input(key="data_password").set_value("s3cret").run()
    assert any("Too many wrong passwords" in str(e.value) for e in at.sidebar.error)
    assert read_only_after_password(at)


def read_only_after_password(at: AppTest) -> bool:
    return not at.get("file_uploader") and not [b for b in at.button if b.key == "data_rollback"]


def test_publish_records_the_analyst_who_made_it(datasets_dir: Path, data_dir: Path) -> None:
    at = data_page({"analyst_password": "s3cret"})
    at.text_input(key="data_password").set_value("s3cret").run()
    at.text_input(key="data_author").set_value("Mei").run()
    at.file_uploader(key="data_upload").set_value(("t.csv", GOOD, "text/csv")).run()
    at.button(key="data_publish").click().run()
    assert not at.exception, [e.message for e in at.exception]
    versions = open_store().versions()
    assert versions["author"].iloc[0] == "Mei"
    assert not versions["version"].iloc[0].startswith("bundled-")
