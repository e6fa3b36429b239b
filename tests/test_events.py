"""Dated events: export-control changes, US AI agreements and fetched BIS documents, newest first."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from risk.present.events import EVENT_COLUMNS, KINDS, dated_events, kind_label, source_link
from risk.store.embedded import open_store

REPO = "owner/controls@0123456789abcdef0123456789abcdef01234567"

EXPORT_CONTROLS = pd.DataFrame(
    {
        "iso3": ["KHM", "HKG", "HKG", "AFG"],
        "group_code": ["D:5", "D:1", "D:5", "D:5"],
        "effective_from": ["2021-12-09", "2020-12-23", "2020-12-23", None],
        "effective_to": ["2026-02-03", None, None, None],
        "source": [
            "https://example.org/2021/cambodia-added | https://example.org/fr-2026-removal",
            f"{REPO}:src/chart.json (territory note)",
            f"{REPO}:src/chart.json (territory note)",
            "https://example.org/undated",
        ],
        "status": ["listed", "DERIVED", "DERIVED", "listed"],
    }
)
DIFFUSION_TIERS = pd.DataFrame(
    {
        "iso3": ["KOR"],
        "tier": ["1"],
        "effective_from": ["2025-01-13"],
        "effective_to": ["2025-05-13"],
        "source": [
            f"{REPO}:paper.md (repost) | https://example.org/rule (90 FR 4544) "
            "| https://example.org/rescinded"
        ],
    }
)
PARTNERSHIPS = pd.DataFrame(
    {
        "iso3": ["KOR", "ARE"],
        "agreement": ["Pax Silica Declaration", "US-UAE AI Acceleration Partnership"],
        "signed": ["2025-12-12", "2025-05-15"],
        "effective_to": [None, None],
        "source_url": [
            "https://example.org/pax",
            "other/roster@abcdef0:data/list.json | https://example.org/uae",
        ],
    }
)
RULE = {
    "document_number": "2026-01234",
    "title": "Additions to the Entity List",
    "publication_date": "2026-03-02",
    "effective_on": "2026-03-02",
    "type": "Rule",
    "html_url": "https://www.federalregister.gov/documents/2026/03/02/2026-01234/additions",
    "countries": ["CHN", "ARE"],
}
GENERAL_RULE = {
    "document_number": "2026-05678",
    "title": "Revisions to License Exceptions",
    "publication_date": "2026-04-01",
    "type": "Proposed Rule",
    "html_url": "",
    "countries": [],
}


class FakeStore:
    """The three tables and the saved records dated_events reads."""

    def __init__(self, records: list[dict] | None = None) -> None:
        self.frames = {
            "export_controls": EXPORT_CONTROLS,
            "diffusion_tiers": DIFFUSION_TIERS,
            "us_partnerships": PARTNERSHIPS,
        }
        self.saved = records or []

    def tables(self) -> list[str]:
        return list(self.frames)

    def table(self, name: str, version: str | None = None) -> pd.DataFrame:
        return self.frames[name]

    def records(self, kind: str) -> pd.DataFrame:
        rows = [
            {"kind": kind, "key": r["document_number"], "body": json.dumps(r), "saved_at": None}
            for r in self.saved
        ]
        return pd.DataFrame(rows, columns=["kind", "key", "body", "saved_at"])


def test_every_dated_change_newest_first_with_a_source() -> None:
    events = dated_events(FakeStore(), "en")  # type: ignore[arg-type]
    assert list(events.columns) == list(EVENT_COLUMNS)
    assert set(events["kind"]) <= set(KINDS)
    assert events[["date", "iso3", "title"]].values.tolist() == [
        [date(2026, 2, 3), "KHM", "Removed from EAR Country Group D:5"],
        [date(2025, 12, 12), "KOR", "Signed the Pax Silica Declaration"],
        [date(2025, 5, 15), "ARE", "Signed the US-UAE AI Acceleration Partnership"],
        [date(2025, 5, 13), "KOR", "AI Diffusion rule no longer enforced (was tier 1)"],
        [date(2025, 1, 13), "KOR", "AI Diffusion rule in force: tier 1"],
        [date(2021, 12, 9), "KHM", "Listed in EAR Country Group D:5"],
        # groups changing on one day from one source are one event; undated rows make none
        [date(2020, 12, 23), "HKG", "Listed in EAR Country Group D:1, D:5"],
    ]
    assert all(u.startswith("https://") for u in events["source_url"])


def test_each_event_links_the_source_that_bears_on_it() -> None:
    links = dated_events(FakeStore(), "en").set_index(["iso3", "date"])["source_url"]  # type: ignore[arg-type]
    # the removal cites the later source (it carries the removal's year), the listing the first
    assert links[("KHM", date(2026, 2, 3))] == "https://example.org/fr-2026-removal"
    assert links[("KHM", date(2021, 12, 9))] == "https://example.org/2021/cambodia-added"
    # start and end in one year: the first web address for the start, the last for the end
    assert links[("KOR", date(2025, 1, 13))] == "https://example.org/rule"
    assert links[("KOR", date(2025, 5, 13))] == "https://example.org/rescinded"
    # a repository file only: that file on GitHub at the cited commit
    assert links[("HKG", date(2020, 12, 23))] == (
        "https://github.com/owner/controls/blob/0123456789abcdef0123456789abcdef01234567"
        "/src/chart.json"
    )
    assert links[("ARE", date(2025, 5, 15))] == "https://example.org/uae"


@pytest.mark.parametrize(
    ("cell", "link"),
    [
        ("", ""),
        ("free text only", ""),
        ("javascript:alert(1) | https://example.org/a", "https://example.org/a"),
        ("https://example.org/a (comment, with spaces)", "https://example.org/a"),
        (
            "a/b@1234567:dir/f.csv and scripts/x.mjs",
            "https://github.com/a/b/blob/1234567/dir/f.csv",
        ),
    ],
)
def test_source_link(cell: str, link: str) -> None:
    assert source_link(cell) == link


def test_titles_in_traditional_chinese() -> None:
    events = dated_events(FakeStore(), "zh-TW")  # type: ignore[arg-type]
    titles = events.set_index(["iso3", "date"])["title"]
    assert titles[("KHM", date(2026, 2, 3))] == "移出 EAR 國家組別 D:5"
    assert titles[("KOR", date(2025, 12, 12))] == "簽署《Pax Silica 宣言》"
    assert titles[("ARE", date(2025, 5, 15))] == "簽署美阿 AI 加速夥伴關係"
    assert titles[("KOR", date(2025, 1, 13))] == "AI 擴散規則生效：列為第 1 級"
    assert kind_label("bis_rule", "zh-TW") == "BIS 聯邦公報文件"
    assert kind_label("us_agreement", "en") == "US AI agreement"


def test_since_and_country_filters() -> None:
    store = FakeStore([RULE, GENERAL_RULE])
    recent = dated_events(store, "en", since=date(2025, 12, 12))  # type: ignore[arg-type]
    assert recent["date"].min() == date(2025, 12, 12)
    assert len(recent) == 5  # the Pax Silica signing, the removal, two rule rows, the general rule
    korea = dated_events(store, "en", iso3="KOR")  # type: ignore[arg-type]
    assert set(korea["iso3"]) == {"KOR"} and len(korea) == 3
    both = dated_events(store, "en", since=date(2025, 6, 1), iso3="KOR")  # type: ignore[arg-type]
    assert both["title"].tolist() == ["Signed the Pax Silica Declaration"]
    assert dated_events(store, "en", iso3="FRA").empty  # type: ignore[arg-type]


def test_fetched_rules_appear_with_their_countries() -> None:
    events = dated_events(FakeStore([RULE, GENERAL_RULE]), "zh-TW")  # type: ignore[arg-type]
    rules = events[events["kind"] == "bis_rule"]
    assert rules[["date", "iso3", "title"]].values.tolist() == [
        [date(2026, 4, 1), "", "Revisions to License Exceptions"],
        [date(2026, 3, 2), "ARE", "Additions to the Entity List"],  # the Federal Register's title
        [date(2026, 3, 2), "CHN", "Additions to the Entity List"],
    ]
    # a document without a web address links to its Federal Register page by number
    assert rules["source_url"].tolist() == [
        "https://www.federalregister.gov/d/2026-05678",
        RULE["html_url"],
        RULE["html_url"],
    ]


def test_a_record_that_is_not_a_dated_document_is_left_out() -> None:
    store = FakeStore([{"document_number": "x", "title": "no date"}])
    store.saved.append({"document_number": "y", "publication_date": "2026"})
    assert "bis_rule" not in set(dated_events(store, "en")["kind"])  # type: ignore[arg-type]


def test_on_the_bundled_data_and_a_stored_record(tmp_path: Path, datasets_dir: Path) -> None:
    store = open_store(datasets_dir, tmp_path / "data")
    store.put_record("bis_rule", str(RULE["document_number"]), json.dumps(RULE))
    events = dated_events(store, "en")
    assert (events["source_url"] != "").all()
    assert events["date"].is_monotonic_decreasing
    uae = dated_events(store, "en", iso3="ARE")
    assert "Additions to the Entity List" in set(uae["title"])
    assert "US-UAE AI Acceleration Partnership" in " ".join(uae["title"])
    cambodia = dated_events(store, "zh-TW", iso3="KHM", since=date(2026, 1, 1))
    assert cambodia["title"].tolist() == ["移出 EAR 國家組別 D:5"]
    # a version pinned for reading keeps no saved records: its curated events still list
    pinned = dated_events(store.at(store.data_version), "en", iso3="ARE")
    assert "bis_rule" not in set(pinned["kind"]) and len(pinned) > 0
