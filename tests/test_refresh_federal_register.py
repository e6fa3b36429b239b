"""BIS documents from the Federal Register against a local HTTP server: pages, retries, truncated
answers, split windows, offline; the countries a document names; the command and the Data page.

Answers are in the API's own shape ({"count", "total_pages", "next_page_url", "results"});
nothing here reaches the internet.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from risk.cli import main
from risk.errors import RefreshError
from risk.harmonise import CountryMatcher
from risk.ingest.countries import load_matcher
from risk.present.events import dated_events
from risk.store.embedded import DuckDBStore, open_store
from risk.upload.federal_register import (
    AGENCY,
    RECORD_KIND,
    countries_named,
    federal_register_message,
    fetch_federal_register,
    refresh_federal_register,
)

ROOT = Path(__file__).resolve().parent.parent
SINCE, UNTIL = dt.date(2026, 1, 1), dt.date(2026, 3, 31)

ENTITY_LIST_ABSTRACT = (
    "In this final rule, the Bureau of Industry and Security (BIS) amends the Export "
    "Administration Regulations (EAR) by adding 11 entities to the Entity List, under the "
    "destinations of China, People's Republic of (China) (7) and the United Arab Emirates (UAE) "
    "(4). These entities have been determined by the U.S. Government to be acting contrary to the "
    "national security or foreign policy interests of the United States."
)


def doc(number: str, day: str, title: str, abstract: str | None = None, kind: str = "Rule") -> dict:
    slug = title.lower().replace(" ", "-")
    return {
        "document_number": number,
        "title": title,
        "abstract": abstract,
        "publication_date": day,
        "effective_on": day if kind == "Rule" else None,
        "type": kind,
        "html_url": f"https://www.federalregister.gov/documents/{day.replace('-', '/')}/{number}/{slug}",
        "pdf_url": f"https://www.govinfo.gov/content/pkg/FR-{day}/pdf/{number}.pdf",
        "citation": "91 FR 1000",
    }


DOCS = [
    doc("2026-00101", "2026-01-08", "Additions to the Entity List", ENTITY_LIST_ABSTRACT),
    doc(
        "2026-00202",
        "2026-01-20",
        "Information Systems Technical Advisory Committee; Notice of Partially Closed Meeting",
        None,
        "Notice",
    ),
    doc(
        "2026-00303",
        "2026-02-11",
        "Revisions to License Exception ACA",
        "BIS proposes to revise license requirements for advanced computing items.",
        "Proposed Rule",
    ),
    doc(
        "2026-00404",
        "2026-03-02",
        "Addition of Entities to the Entity List",
        "This rule adds five Russian and Belarusian end users and two Emirati persons.",
    ),
    doc("2026-00505", "2026-03-30", "Removal of Cambodia From Country Group D:5", None),
]


class Script:
    """What the server does next: behaviours queued per page, then the normal answer."""

    def __init__(self) -> None:
        self.plan: dict[int, list[str]] = {}
        self.hits: list[dict[str, list[str]]] = []
        self.docs = list(DOCS)


def make_handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            url = urlparse(self.path)
            query = parse_qs(url.query)
            script.hits.append(query)
            page = int(query.get("page", ["1"])[0])
            todo = script.plan.get(page) or []
            action = todo.pop(0) if todo else "ok"
            if action == "429":
                self._send(429, b"Too Many Requests", {"Retry-After": "0"})
                return
            if action == "500":
                self._send(503, b"unavailable")
                return
            if action == "400":
                self._send(400, json.dumps({"errors": {"agencies": "unknown"}}).encode())
                return
            gte = query["conditions[publication_date][gte]"][0]
            lte = query["conditions[publication_date][lte]"][0]
            chosen = [d for d in script.docs if gte <= d["publication_date"] <= lte]
            per_page = int(query.get("per_page", ["20"])[0])
            pages = max(1, -(-len(chosen) // per_page))
            answer: dict = {
                "count": len(chosen) + (1 if action == "short" else 0),
                "description": "Documents published by the Industry and Security Bureau",
                "total_pages": pages,
                "results": chosen[(page - 1) * per_page : page * per_page],
            }
            if page < pages:
                nxt = {k: v for k, v in query.items()}
                nxt["page"] = [str(page + 1)]
                host = "elsewhere.example" if action == "foreign" else self.headers["Host"]
                answer["next_page_url"] = f"http://{host}{url.path}?{urlencode(nxt, doseq=True)}"
            body = json.dumps(answer).encode()
            if action == "truncated":
                body = body[: len(body) // 2]
            self._send(200, body, {"Content-Type": "application/json"})

        def _send(self, code: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(code)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@pytest.fixture()
def server() -> Iterator[tuple[str, Script]]:
    script = Script()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(script))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/api/v1", script
    httpd.shutdown()
    httpd.server_close()


def opts(url: str, **kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "url": url,
        "per_page": 2,
        "backoff": 0.01,
        "timeout": (1.0, 1.0),
        "sleep": lambda s: None,
    }
    base.update(kw)
    return base


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def matcher(datasets_dir: Path) -> CountryMatcher:
    return load_matcher(datasets_dir)


# -- fetching -------------------------------------------------------------------------------
def test_every_page_is_followed_with_the_bis_query(server: tuple[str, Script]) -> None:
    url, script = server
    got = fetch_federal_register(SINCE, UNTIL, **opts(url))  # type: ignore[arg-type]
    assert [d["document_number"] for d in got.documents] == [d["document_number"] for d in DOCS]
    assert got.pages == 3 and len(script.hits) == 3 and got.retries == 0
    first = script.hits[0]
    assert first["conditions[agencies][]"] == [AGENCY]
    assert first["conditions[type][]"] == ["RULE", "PRORULE", "NOTICE"]
    assert first["conditions[publication_date][gte]"] == ["2026-01-01"]
    assert first["conditions[publication_date][lte]"] == ["2026-03-31"]
    assert {"document_number", "title", "abstract", "html_url"} <= set(first["fields[]"])


def test_a_429_is_retried_then_the_pages_arrive(server: tuple[str, Script]) -> None:
    url, script = server
    script.plan = {2: ["429"], 3: ["500", "truncated"]}
    got = fetch_federal_register(SINCE, UNTIL, **opts(url))  # type: ignore[arg-type]
    assert got.retries == 3 and len(got.documents) == len(DOCS)


@pytest.mark.parametrize(
    ("action", "says"),
    [
        ("truncated", "could not be reached (the answer was not complete JSON)"),
        ("500", "could not be reached (HTTP 503)"),
        ("short", "incomplete download"),
        ("foreign", "another site"),
        ("400", "HTTP 400"),
    ],
)
def test_a_broken_answer_fails_the_whole_refresh_and_stores_nothing(
    server: tuple[str, Script], tmp_path: Path, datasets_dir: Path, action: str, says: str
) -> None:
    url, script = server
    page = 1 if action in {"short", "foreign", "400"} else 2
    script.plan = {page: [action] * 10}
    store = DuckDBStore(tmp_path / "s.duckdb", datasets_dir)
    with pytest.raises(RefreshError, match=says.replace("(", r"\(").replace(")", r"\)")):
        refresh_federal_register(store, SINCE, UNTIL, **opts(url, retries=2))
    assert store.records(RECORD_KIND).empty


def test_a_window_with_too_many_documents_is_split(server: tuple[str, Script]) -> None:
    url, _ = server
    got = fetch_federal_register(SINCE, UNTIL, **opts(url, max_results=2))  # type: ignore[arg-type]
    assert len(got.documents) == len(DOCS)
    assert len(got.windows) > 1 and got.windows[0][0] == SINCE and got.windows[-1][1] == UNTIL


def test_offline_is_a_clear_error_and_nothing_is_stored(tmp_path: Path, datasets_dir: Path) -> None:
    store = DuckDBStore(tmp_path / "s.duckdb", datasets_dir)
    url = f"http://127.0.0.1:{_closed_port()}/api/v1"
    with pytest.raises(RefreshError) as err:
        refresh_federal_register(store, SINCE, UNTIL, url=url, sleep=lambda s: None)
    assert store.records(RECORD_KIND).empty
    ok, zh = federal_register_message(err.value, "zh-TW")
    assert not ok and "無法連上聯邦公報 API" in zh and "資料未變更" in zh
    ok, en = federal_register_message(err.value, "en")
    assert not ok and en.startswith("The Federal Register API could not be reached (connection")


# -- storing --------------------------------------------------------------------------------
def test_documents_are_kept_with_the_countries_they_name(
    server: tuple[str, Script], tmp_path: Path, datasets_dir: Path
) -> None:
    url, script = server
    store = open_store(datasets_dir, tmp_path / "data")
    v0 = store.data_version
    dry = refresh_federal_register(store, SINCE, UNTIL, dry_run=True, **opts(url))
    assert dry.new == len(DOCS) and store.records(RECORD_KIND).empty
    assert "dry run" in federal_register_message(dry, "en")[1]
    result = refresh_federal_register(store, SINCE, UNTIL, **opts(url))
    assert (result.fetched, result.new, result.changed, result.named) == (5, 5, 0, 3)
    assert store.data_version == v0  # records, not a new data version
    body = json.loads(store.get_record(RECORD_KIND, "2026-00101") or "{}")
    assert body["countries"] == ["ARE", "CHN"]
    assert body["title"] == "Additions to the Entity List"
    assert body["publication_date"] == "2026-01-08" and body["type"] == "Rule"
    assert body["html_url"].startswith("https://www.federalregister.gov/documents/2026/01/08/")
    assert json.loads(store.get_record(RECORD_KIND, "2026-00202") or "{}")["countries"] == []
    ok, zh = federal_register_message(result, "zh-TW")
    assert ok and "新增 5 份" in zh
    again = refresh_federal_register(store, SINCE, UNTIL, **opts(url))
    assert (again.new, again.changed) == (0, 0)
    assert "nothing changed" in federal_register_message(again, "en")[1]
    script.docs[0] = {**script.docs[0], "title": "Additions to the Entity List; Correction"}
    fixed = refresh_federal_register(store, SINCE, UNTIL, **opts(url))
    assert (fixed.new, fixed.changed) == (0, 1)
    # the dated events list the stored rule under each country it names
    uae = dated_events(store, "en", iso3="ARE")
    rules = uae[uae["kind"] == "bis_rule"]
    assert set(rules["title"]) == {
        "Additions to the Entity List; Correction",
        "Addition of Entities to the Entity List",
    }
    general = dated_events(store, "zh-TW", since=dt.date(2026, 1, 20))
    assert "" in set(general.loc[general["kind"] == "bis_rule", "iso3"])


# -- the countries a document names ---------------------------------------------------------
@pytest.mark.parametrize(
    ("title", "abstract", "iso3"),
    [
        ("Additions to the Entity List", ENTITY_LIST_ABSTRACT, ["ARE", "CHN"]),
        (
            "Additions and Modifications to the Entity List",
            "adding 70 entities to the Entity List, under the destinations of China, People's "
            "Republic of (China) (42); Iran (2); Pakistan (19); South Africa (3); and the United "
            "Arab Emirates (UAE) (4). This final rule also modifies four existing entries, one "
            "under France, one under Iran, one under Senegal, and one under the United Kingdom.",
            ["ARE", "CHN", "FRA", "GBR", "IRN", "PAK", "SEN", "ZAF"],
        ),
        (
            "Addition of Entities to the Entity List",
            "This rule adds twelve Chinese entities and five Emirati persons to the Entity List.",
            ["ARE", "CHN"],
        ),
        (
            "Additions to the Entity List",
            "adds Russian and Belarusian end users, and Iranian, Syrian or Turkish companies",
            ["BLR", "IRN", "RUS", "SYR", "TUR"],
        ),
        (
            "Entities in Hong Kong and Macau; Revision of Entries Under Taiwan",
            None,
            ["HKG", "MAC", "TWN"],
        ),
        (
            "Revision of Export and Reexport License Requirements for Republic of South Sudan",
            None,
            ["SSD"],
        ),
        (
            "Implementation of Additional Export Controls: Certain Advanced Computing Items; "
            "Supercomputer and Semiconductor End Use",
            "U.S. persons and exports from the United States of America",
            [],
        ),
        (
            "Information Systems Technical Advisory Committee; Notice of Partially Closed Meeting",
            None,
            [],
        ),
        ("Chinese-origin items and the Korean Peninsula", None, []),  # no party after them
    ],
)
def test_countries_named_in_real_looking_titles(
    matcher: CountryMatcher, title: str, abstract: str | None, iso3: list[str]
) -> None:
    assert countries_named(title, abstract or "", matcher) == iso3


# -- the command and the Data page ----------------------------------------------------------
def test_command_fetches_and_stores(
    server: tuple[str, Script],
    data_dir: Path,
    datasets_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, _ = server
    monkeypatch.setenv("RISK_FEDERAL_REGISTER_URL", url)
    code = main(["refresh", "federal-register", "--since", "2026-01-01", "--until", "2026-03-31"])
    assert code == 0
    assert "Fetched 5 BIS documents published 2026-01-01 to 2026-03-31" in capsys.readouterr().out
    assert len(open_store().records(RECORD_KIND)) == 5


def test_command_offline_exits_3_and_says_so(
    data_dir: Path,
    datasets_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("RISK_FEDERAL_REGISTER_URL", f"http://127.0.0.1:{_closed_port()}/api/v1")
    assert main(["refresh", "federal-register", "--lang", "zh-TW"]) == 3
    assert "無法連上聯邦公報 API" in capsys.readouterr().err
    assert open_store().records(RECORD_KIND).empty
    assert main(["refresh", "federal-register", "--since", "2026-13-01"]) == 2  # not a date


def test_data_page_button_offline(
    datasets_dir: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    st.cache_resource.clear()
    st.cache_data.clear()
    monkeypatch.setenv("RISK_FEDERAL_REGISTER_URL", f"http://127.0.0.1:{_closed_port()}/api/v1")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.query_params["lang"] = "en"
    at.run()
    at.switch_page("app_pages/data.py").run()
    assert not at.exception, [e.message for e in at.exception]
    at.button(key="data_refresh_fr").click().run()
    warnings = [str(w.value) for w in at.warning]
    assert any("Federal Register API could not be reached" in w for w in warnings)
    assert open_store().records(RECORD_KIND).empty
