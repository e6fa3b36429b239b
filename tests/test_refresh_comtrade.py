"""UN Comtrade refresh against a local HTTP server: publish, dry run, retries, offline, the key.

Answers are recorded in the API's own shape ({"count", "data": [...], "error"}); nothing here reaches
the internet, and the real secrets file is never read (RISK_SECRETS_FILE points at a temp path).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from risk.errors import RefreshError, RiskError
from risk.store.embedded import DuckDBStore, open_store
from risk.upload.comtrade import (
    INDICATOR,
    KEY_HEADER,
    ComtradeKeyError,
    comtrade_key,
    comtrade_message,
    default_years,
    parse_years,
    refresh_comtrade,
)

ROOT = Path(__file__).resolve().parent.parent
KEY = "test-key-0123456789abcdef"


def record(code: int, iso: str, year: int, cmd: str, value: float, **kw: object) -> dict:
    rec = {
        "typeCode": "C",
        "freqCode": "A",
        "refYear": year,
        "period": str(year),
        "reporterCode": 490,
        "reporterISO": "S19",
        "reporterDesc": "Other Asia, nes",
        "flowCode": "X",
        "partnerCode": code,
        "partnerISO": iso,
        "partnerDesc": iso,
        "partner2Code": 0,
        "cmdCode": cmd,
        "customsCode": "C00",
        "motCode": 0,
        "primaryValue": value,
        "isAggregate": False,
    }
    rec.update(kw)
    return rec


def year_records(year: int) -> list[dict]:
    """USA (842) and Japan in both codes; World and Areas nes aggregates; a breakdown row by mode
    of transport that must not be counted twice."""
    return [
        record(842, "USA", year, "8471", 1000.0 * year),
        record(842, "USA", year, "8473", 10.0),
        record(392, "JPN", year, "8471", 500.0),
        record(0, "W00", year, "8471", 9e9),
        record(899, "_X", year, "8473", 7.0),
        record(842, "USA", year, "8471", 123.0, motCode=1000),
    ]


class Script:
    """What the server does next (a queue of behaviours), and what it was sent."""

    def __init__(self) -> None:
        self.plan: list[str] = []
        self.hits: list[dict[str, object]] = []
        self.values: dict[int, float] = {}  # year -> extra added to USA 8471


def make_handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            script.hits.append({"path": url.path, "query": query, "key": self.headers[KEY_HEADER]})
            action = script.plan.pop(0) if script.plan else "ok"
            if self.headers[KEY_HEADER] != KEY:
                body = {"statusCode": 401, "message": "Access denied due to invalid key."}
                self._send(401, json.dumps(body).encode())
            elif action == "429":
                self._send(429, b'{"statusCode": 429}', {"Retry-After": "0"})
            elif action == "500":
                self._send(503, b"unavailable")
            else:
                year = int(query["period"])
                data = year_records(year)
                data[0]["primaryValue"] += script.values.get(year, 0.0)
                answer = {"elapsedTime": "0.1 secs", "count": len(data), "data": data, "error": ""}
                self._send(200, json.dumps(answer).encode())

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
    yield f"http://127.0.0.1:{httpd.server_address[1]}/data/v1", script
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture()
def no_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No key in the environment, and a secrets file that does not exist (yet)."""
    path = tmp_path / "secrets.toml"
    monkeypatch.delenv("COMTRADE_API_KEY", raising=False)
    monkeypatch.setenv("RISK_SECRETS_FILE", str(path))
    return path


def opts(url: str, tmp_path: Path) -> dict[str, object]:
    return {
        "url": url,
        "cache_dir": tmp_path / "cache",
        "backoff": 0.01,
        "timeout": (1.0, 2.0),
        "sleep": lambda s: None,
    }


def _obs(store: DuckDBStore) -> dict[tuple[str, int], float]:
    df = store.query(
        "SELECT iso3, year, value, source FROM observations WHERE indicator = ?", [INDICATOR]
    )
    assert set(df["source"]) <= {"comtrade-api"}
    return {(r.iso3, int(r.year)): float(r.value) for r in df.itertuples()}


def test_fetch_publishes_partner_years_once(
    server: tuple[str, Script], tmp_path: Path, datasets_dir: Path
) -> None:
    url, script = server
    store = open_store(datasets_dir, tmp_path / "data")
    v0 = store.data_version
    result = refresh_comtrade(store, [2022, 2023], author="bot", key=KEY, **opts(url, tmp_path))
    assert result.version is not None and store.data_version == result.version.version
    assert result.version.action == "refresh" and result.version.parent == v0
    # 8471 + 8473 summed per partner and year; World, Areas nes and the mode breakdown left out
    assert _obs(store) == {
        ("USA", 2022): 2022 * 1000.0 + 10.0,
        ("USA", 2023): 2023 * 1000.0 + 10.0,
        ("JPN", 2022): 500.0,
        ("JPN", 2023): 500.0,
    }
    assert result.fetch.unmatched == 2  # World (0) and Areas nes (899)
    ind = store.table("indicators").set_index("code").loc[INDICATOR]
    assert ind["unit"] == "current US$" and ind["source"] == "UN Comtrade"
    assert not bool(ind["open_licence"]) and "internal use only" in ind["licence"]
    assert ind["name_zh"].startswith("台灣")
    # what was asked for, as the API documents it
    q = script.hits[0]
    assert q["path"] == "/data/v1/get/C/A/HS"
    assert q["query"] == {
        "reporterCode": "490",
        "period": "2022",
        "cmdCode": "8471,8473",
        "flowCode": "X",
        "partner2Code": "0",
        "customsCode": "C00",
        "motCode": "0",
        "breakdownMode": "classic",
        "includeDesc": "true",
    }
    assert all(h["key"] == KEY for h in script.hits)  # the key goes in the header
    assert all(KEY not in json.dumps(h["query"]) for h in script.hits)  # never in the URL
    # the same values again (cache bypassed): no new version
    again = refresh_comtrade(
        store, [2022, 2023], author="bot", key=KEY, **{**opts(url, tmp_path), "max_age_s": 0}
    )
    assert again.version is None and again.rows_changed == 0 and not again.catalogue_changed
    assert again.fetch.requests == 2 and store.data_version == result.version.version
    ok, message = comtrade_message(again, "en")
    assert ok and "no new version" in message
    # one changed value: a version with just that row
    script.values[2023] = 5.0
    third = refresh_comtrade(
        store, [2022, 2023], author="bot", key=KEY, **{**opts(url, tmp_path), "max_age_s": 0}
    )
    assert third.version is not None and third.rows_changed == 1
    assert _obs(store)[("USA", 2023)] == 2023 * 1000.0 + 15.0


def test_cache_answers_a_second_run(
    server: tuple[str, Script], tmp_path: Path, datasets_dir: Path
) -> None:
    url, script = server
    store = open_store(datasets_dir, tmp_path / "data")
    refresh_comtrade(store, [2023], author="bot", key=KEY, dry_run=True, **opts(url, tmp_path))
    again = refresh_comtrade(
        store, [2023], author="bot", key=KEY, dry_run=True, **opts(url, tmp_path)
    )
    assert again.fetch.from_cache == 1 and len(script.hits) == 1
    cached = "".join(p.read_text() for p in (tmp_path / "cache").rglob("*.json"))
    assert KEY not in cached


def test_dry_run_changes_nothing(
    server: tuple[str, Script], tmp_path: Path, datasets_dir: Path
) -> None:
    url, _ = server
    store = open_store(datasets_dir, tmp_path / "data")
    v0 = store.data_version
    result = refresh_comtrade(
        store, [2023], author="bot", key=KEY, dry_run=True, **opts(url, tmp_path)
    )
    assert result.version is None and result.rows_changed == 2 and result.catalogue_changed
    assert store.data_version == v0 and _obs(store) == {}
    ok, message = comtrade_message(result, "en")
    assert ok and "nothing published" in message


@pytest.mark.parametrize("action", ["429", "500"])
def test_retries_then_success(
    server: tuple[str, Script], tmp_path: Path, datasets_dir: Path, action: str
) -> None:
    url, script = server
    script.plan = [action, action]
    store = open_store(datasets_dir, tmp_path / "data")
    result = refresh_comtrade(store, [2023], author="bot", key=KEY, **opts(url, tmp_path))
    assert result.fetch.retries == 2 and len(script.hits) == 3
    assert _obs(store) == {("USA", 2023): 2023 * 1000.0 + 10.0, ("JPN", 2023): 500.0}


def test_persistent_failure_publishes_nothing(
    server: tuple[str, Script], tmp_path: Path, datasets_dir: Path
) -> None:
    url, script = server
    script.plan = ["ok"] + ["500"] * 10  # 2022 arrives, 2023 never does
    store = open_store(datasets_dir, tmp_path / "data")
    v0 = store.data_version
    with pytest.raises(RefreshError, match="UN Comtrade could not be reached") as err:
        refresh_comtrade(
            store, [2022, 2023], author="bot", key=KEY, retries=2, **opts(url, tmp_path)
        )
    assert store.data_version == v0
    assert comtrade_message(err.value, "en")[1] == (
        "The UN Comtrade API could not be reached (HTTP 503); nothing changed."
    )


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_offline_changes_nothing(tmp_path: Path, datasets_dir: Path) -> None:
    store = DuckDBStore(tmp_path / "s.duckdb", datasets_dir)
    v0 = store.data_version
    url = f"http://127.0.0.1:{_closed_port()}/data/v1"
    with pytest.raises(RefreshError) as err:
        refresh_comtrade(store, [2023], author="bot", key=KEY, **opts(url, tmp_path))
    assert store.data_version == v0
    ok, message = comtrade_message(err.value, "zh-TW")
    assert not ok and "無法連上 UN Comtrade" in message and KEY not in message


def test_refused_key_is_a_key_error_and_not_echoed(
    server: tuple[str, Script], tmp_path: Path, datasets_dir: Path
) -> None:
    url, _ = server
    store = open_store(datasets_dir, tmp_path / "data")
    with pytest.raises(ComtradeKeyError) as err:
        refresh_comtrade(store, [2023], author="bot", key="wrong-key", **opts(url, tmp_path))
    assert err.value.status == 401 and "wrong-key" not in str(err.value)
    ok, message = comtrade_message(err.value, "en")
    assert not ok and "refused" in message and "wrong-key" not in message


def test_key_from_environment_then_secrets(no_secrets: Path) -> None:
    assert comtrade_key() is None
    no_secrets.write_text('[comtrade]\napi_key = "from-secrets"\n', encoding="utf-8")
    assert comtrade_key() == "from-secrets"
    assert comtrade_key({"COMTRADE_API_KEY": " from-env "}) == "from-env"
    no_secrets.write_text('[comtrade]\napi_key = "x\n', encoding="utf-8")
    with pytest.raises(RiskError) as err:
        comtrade_key()
    assert "api_key" not in err.value.message and '"x' not in err.value.message


def test_no_key_changes_nothing(no_secrets: Path, tmp_path: Path, datasets_dir: Path) -> None:
    store = open_store(datasets_dir, tmp_path / "data")
    v0 = store.data_version
    with pytest.raises(ComtradeKeyError) as err:
        refresh_comtrade(store, [2023], author="bot", url="http://127.0.0.1:9/data/v1")
    assert store.data_version == v0
    ok, message = comtrade_message(err.value, "zh-TW")
    assert not ok and "comtradedeveloper.un.org" in message and "COMTRADE_API_KEY" in message


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("2020-2022", [2020, 2021, 2022]),
        ("2023, 2021", [2021, 2023]),
        (None, [2021, 2022, 2023, 2024, 2025]),
    ],
)
def test_parse_years(text: str | None, years: list[int]) -> None:
    assert parse_years(text, dt.date(2026, 3, 1)) == years
    assert default_years(dt.date(2026, 3, 1)) == [2021, 2022, 2023, 2024, 2025]


@pytest.mark.parametrize("text", ["20x", "1900", "2031"])
def test_parse_years_rejects(text: str) -> None:
    with pytest.raises(RiskError, match="--years"):
        parse_years(text, dt.date(2026, 3, 1))


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "risk", "refresh", "comtrade", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


def _versions(env: dict[str, str]) -> str:
    run = subprocess.run(
        [sys.executable, "-m", "risk", "versions", "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_cli_publishes_without_printing_the_key(
    server: tuple[str, Script], data_dir: Path, tmp_path: Path
) -> None:
    url, script = server
    env = {
        "RISK_COMTRADE_URL": url,
        "COMTRADE_API_KEY": KEY,
        "RISK_SECRETS_FILE": str(tmp_path / "none.toml"),
    }
    dry = _cli(env, "--years", "2023", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    before = _versions(env)
    run = _cli(env, "--years", "2022-2023", "--lang", "zh-TW", "--no-cache")
    assert run.returncode == 0, run.stderr
    assert "發布為版本" in run.stdout
    assert before != _versions(env)
    assert all(h["key"] == KEY for h in script.hits)
    for out in (dry.stdout, dry.stderr, run.stdout, run.stderr, _versions(env)):
        assert KEY not in out


def test_cli_offline_exit_code(data_dir: Path, tmp_path: Path) -> None:
    env = {
        "RISK_COMTRADE_URL": f"http://127.0.0.1:{_closed_port()}/data/v1",
        "COMTRADE_API_KEY": KEY,
        "RISK_SECRETS_FILE": str(tmp_path / "none.toml"),
    }
    before = _versions(env)
    run = _cli(env, "--years", "2023")
    assert run.returncode == 3
    assert "nothing changed" in run.stderr and KEY not in run.stderr + run.stdout
    assert _versions(env) == before


def test_cli_without_key_explains_and_changes_nothing(data_dir: Path, tmp_path: Path) -> None:
    env = {
        "RISK_COMTRADE_URL": f"http://127.0.0.1:{_closed_port()}/data/v1",
        "COMTRADE_API_KEY": "",
        "RISK_SECRETS_FILE": str(tmp_path / "none.toml"),
    }
    before = _versions(env)
    run = _cli(env, "--lang", "zh-TW")
    assert run.returncode == 2
    assert "找不到 UN Comtrade API 金鑰" in run.stderr and "comtradedeveloper.un.org" in run.stderr
    assert _versions(env) == before
