"""World Bank refresh against a local HTTP server: pages, retries, timeouts, truncated JSON, offline.

Answers are recorded in the API's own shape ([meta, records]); nothing here reaches the internet.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from risk.errors import RefreshError
from risk.store.embedded import DuckDBStore, open_store
from risk.upload.refresh import fetch_worldbank, refresh_message, refresh_worldbank

ROOT = Path(__file__).resolve().parent.parent


def record(iso3: str, year: int, value: float | None, code: str = "NY.GDP.MKTP.CD") -> dict:
    return {
        "indicator": {"id": code, "value": "GDP (current US$)"},
        "country": {"id": iso3[:2], "value": iso3},
        "countryiso3code": iso3,
        "date": str(year),
        "value": value,
        "unit": "",
        "obs_status": "",
        "decimal": 0,
    }


# Two pages of one series, as the API answers with per_page=2.
PAGES = {
    1: [
        {"page": 1, "pages": 2, "per_page": 2, "total": 3, "lastupdated": "2025-07-01"},
        [record("JPN", 2024, 4.1e12), record("AFE", 2024, 1.2e12)],
    ],
    2: [
        {"page": 2, "pages": 2, "per_page": 2, "total": 3, "lastupdated": "2025-07-01"},
        [record("TWN", 2024, 7.9e11)],
    ],
}


class Script:
    """What the server does next: a queue of behaviours per page, then the normal answer."""

    def __init__(self) -> None:
        self.plan: dict[int, list[str]] = {}
        self.hits: list[str] = []


def make_handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            url = urlparse(self.path)
            page = int(parse_qs(url.query).get("page", ["1"])[0])
            script.hits.append(f"{url.path}?page={page}")
            todo = script.plan.get(page) or []
            action = todo.pop(0) if todo else "ok"
            if action == "429":
                self._send(429, b"slow down", {"Retry-After": "0"})
            elif action == "500":
                self._send(503, b"unavailable")
            elif action == "slow":
                time.sleep(1.5)
                self._send(200, json.dumps(PAGES[page]).encode())
            elif action == "truncated":
                self._send(200, json.dumps(PAGES[page]).encode()[:40])
            elif action == "error_message":
                body = [{"message": [{"id": "120", "key": "Invalid value", "value": "bad code"}]}]
                self._send(200, json.dumps(body).encode())
            elif action == "short_total":
                meta, rows = PAGES[page]
                self._send(200, json.dumps([{**meta, "total": 99}, rows]).encode())
            else:
                self._send(200, json.dumps(PAGES[page]).encode())

        def _send(self, code: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            with contextlib.suppress(BrokenPipeError):
                self.wfile.write(body)

    return Handler


@pytest.fixture()
def server() -> Iterator[tuple[str, Script]]:
    script = Script()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(script))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v2", script
    httpd.shutdown()
    httpd.server_close()


def fetch(url: str, tmp_path: Path, **kw: object):  # type: ignore[no-untyped-def]
    opts = {
        "url": url,
        "cache_dir": tmp_path / "cache",
        "per_page": 2,
        "backoff": 0.01,
        "timeout": (1.0, 0.5),
        "sleep": lambda s: None,
    }
    opts.update(kw)
    return fetch_worldbank(["NY.GDP.MKTP.CD"], **opts)  # type: ignore[arg-type]


def test_pages_are_followed_and_cached(server: tuple[str, Script], tmp_path: Path) -> None:
    url, script = server
    got = fetch(url, tmp_path)
    assert got.pages == 2 and got.from_cache == 0
    assert sorted(got.rows["iso3"]) == ["AFE", "JPN", "TWN"]
    again = fetch(url, tmp_path)
    assert again.from_cache == 2 and len(script.hits) == 2  # answered from the local cache
    fresh = fetch(url, tmp_path, max_age_s=0)
    assert fresh.from_cache == 0 and len(script.hits) == 4


@pytest.mark.parametrize("action", ["429", "500", "truncated", "slow"])
def test_transient_failures_are_retried(
    server: tuple[str, Script], tmp_path: Path, action: str
) -> None:
    url, script = server
    script.plan = {2: [action, action]}
    got = fetch(url, tmp_path)
    assert got.retries == 2
    assert len(got.rows) == 3


@pytest.mark.parametrize("action", ["500", "truncated"])
def test_persistent_failure_fails_whole_refresh(
    server: tuple[str, Script], tmp_path: Path, action: str
) -> None:
    url, script = server
    script.plan = {2: [action] * 10}
    with pytest.raises(RefreshError, match="could not be reached"):
        fetch(url, tmp_path, retries=3)
    assert not list((tmp_path / "cache").rglob("*p2.json"))  # no half answers cached


def test_api_error_message_and_incomplete_totals(
    server: tuple[str, Script], tmp_path: Path
) -> None:
    url, script = server
    script.plan = {1: ["error_message"]}
    with pytest.raises(RefreshError, match="bad code"):
        fetch(url, tmp_path)
    script.plan = {1: ["short_total"]}
    with pytest.raises(RefreshError, match="incomplete download"):
        fetch(url, tmp_path)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_refresh_publishes_changes_once(
    server: tuple[str, Script], tmp_path: Path, datasets_dir: Path
) -> None:
    url, _ = server
    store = open_store(datasets_dir, tmp_path / "data")
    v0 = store.data_version
    opts = {
        "url": url,
        "cache_dir": tmp_path / "cache",
        "per_page": 2,
        "sleep": lambda s: None,
    }
    result = refresh_worldbank(store, ["NY.GDP.MKTP.CD"], author="bot", **opts)
    assert result.version is not None and store.data_version == result.version.version
    assert result.version.action == "refresh" and result.version.parent == v0
    rows = store.query(
        "SELECT iso3, value, source FROM observations "
        "WHERE indicator = 'wdi.ny.gdp.mktp.cd' AND source = 'wdi-api' ORDER BY iso3"
    )
    assert rows["iso3"].tolist() == ["JPN", "TWN"]  # the AFE aggregate is left out
    assert rows["value"].tolist() == [4.1e12, 7.9e11]
    again = refresh_worldbank(store, ["NY.GDP.MKTP.CD"], author="bot", **opts)
    assert again.version is None and again.rows_changed == 0
    ok, message = refresh_message(again, "en")
    assert ok and "no new version" in message


def test_offline_changes_nothing(tmp_path: Path, datasets_dir: Path) -> None:
    store = DuckDBStore(tmp_path / "s.duckdb", datasets_dir)
    v0 = store.data_version
    url = f"http://127.0.0.1:{_closed_port()}/v2"
    with pytest.raises(RefreshError) as err:
        refresh_worldbank(
            store,
            ["NY.GDP.MKTP.CD"],
            author="bot",
            url=url,
            sleep=lambda s: None,
            cache_dir=tmp_path / "cache",
        )
    assert store.data_version == v0
    ok, message = refresh_message(err.value, "zh-TW")
    assert not ok and "無法連上世界銀行" in message


def test_cli_refresh_offline(data_dir: Path, datasets_dir: Path) -> None:
    env = {
        **__import__("os").environ,
        "RISK_WORLDBANK_URL": f"http://127.0.0.1:{_closed_port()}/v2",
    }
    run = subprocess.run(
        [sys.executable, "-m", "risk", "refresh", "worldbank", "--indicators", "NY.GDP.MKTP.CD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 3
    assert "nothing changed" in run.stderr
