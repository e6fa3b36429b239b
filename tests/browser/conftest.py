"""Real-browser fixtures: a Streamlit server on a free loopback port and Debian's headless Chromium.

Every request the page makes is recorded, so tests can assert that nothing left 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from risk.bench_browser import READY as READY  # the tests' readiness mark, the benchmark's
from risk.bench_browser import wait_whole_page
from risk.store.local_postgres import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("RISK_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `make test` (installs Debian's chromium)"
        )
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


def _serve(data: Path, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "RISK_DATA_DIR": str(data), "PYTHONPATH": str(ROOT), **(extra_env or {})}
    log = open(data / "server.log", "w")  # noqa: SIM115 (kept open for the server's lifetime)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "dashboard.py",
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                if resp.read().strip() == b"ok":
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.terminate()
        pytest.fail(
            "Streamlit did not become healthy: " + (data / "server.log").read_text()[-2000:]
        )
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
    shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run dashboard.py` on loopback with a private data directory."""
    yield from _serve(tmp_path_factory.mktemp("server-data"))


@pytest.fixture
def fresh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server no page has visited yet, on a new data directory: the first visitor after a
    restart (the store is created, every cache is empty)."""
    yield from _serve(tmp_path_factory.mktemp("fresh-server-data"))


HOSTILE_NAME = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="session")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server on a test copy of the datasets where Brazil's names are an HTML injection attempt."""
    import pandas as pd

    datasets = tmp_path_factory.mktemp("hostile-datasets")
    for item in (ROOT / "datasets").iterdir():
        shutil.copy(item, datasets / item.name)
    countries = pd.read_parquet(datasets / "countries.parquet")
    brazil = countries["iso3"] == "BRA"
    countries.loc[brazil, "name_en"] = HOSTILE_NAME
    countries.loc[brazil, "name_zh_tw"] = HOSTILE_NAME + "巴西"
    countries.to_parquet(datasets / "countries.parquet", index=False)
    yield from _serve(tmp_path_factory.mktemp("hostile-data"), {"RISK_DATASETS_DIR": str(datasets)})


@pytest.fixture()
def requests_seen(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Every URL the page requested (including blocked ones)."""
    seen: list[str] = []
    page.on("request", lambda req: seen.append(req.url))
    return seen


def external(urls: list[str]) -> list[str]:
    """URLs that left the machine (anything but loopback, data: and blob:)."""
    out = []
    for url in urls:
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob", "about", "chrome-extension"):
            continue
        if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
            out.append(url)
    return out


def wait_ready(page, text: str, timeout: float = 90_000) -> None:  # type: ignore[no-untyped-def]
    # Generous: a shared, loaded machine can take long over a first page; this is a readiness wait,
    # not a speed check (the paint-time test and `python -m risk bench` measure speed).
    # A browser's first overview shows the map first and the rest once it is drawn (ui.map_first):
    # ready means the whole page is.
    wait_whole_page(page, text, timeout)
