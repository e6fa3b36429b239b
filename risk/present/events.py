"""Dated events that explain what changed in a market, newest first, each with its source link.

Three kinds, from three places:

- `export_control`: the export-control gates' dated changes (risk/gates.py reads both tables): a
  country listed in or removed from an EAR Country Group on its in-force date
  (`export_controls.effective_from` / `effective_to`; undated rows are current listings with no
  known start and make no event), and the AI Diffusion tiers coming into force and ceasing to be
  enforced (`diffusion_tiers`).
- `us_agreement`: US AI agreements on their signing day (`us_partnerships`, from
  risk/data/us_ai_partnerships.csv), and their end when one is recorded.
- `bis_rule`: documents of the Bureau of Industry and Security fetched from the Federal Register
  (`python -m risk refresh federal-register`), kept as saved records of kind "bis_rule"; one row per
  country the document names, or one row with iso3 "" when it names none. The date is the
  publication date; the title is the Federal Register's own (English) title.

A curated source cell lists one or more sources separated by " | ", each a web address (possibly
followed by a comment) or a public repository file `owner/repo@commit:path`; the first web address
is the event's link, else the repository file on GitHub at that commit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pandas as pd

from risk.i18n import label_or, t
from risk.store.protocol import ReadStore
from risk.text import cell_text, safe_link
from risk.upload.federal_register import RECORD_KIND, document_url

EVENT_COLUMNS: tuple[str, ...] = ("date", "kind", "iso3", "title", "source_url")
EXPORT_CONTROL = "export_control"
US_AGREEMENT = "us_agreement"
BIS_RULE = "bis_rule"
KINDS: tuple[str, ...] = (EXPORT_CONTROL, US_AGREEMENT, BIS_RULE)

_REPO_FILE = re.compile(r"^([\w.-]+/[\w.-]+)@([0-9a-fA-F]{7,40}):(\S+)")


def kind_label(kind: str, lang: str) -> str:
    """An event kind for people, in `lang`."""
    return label_or(f"events.kind.{kind}", lang, kind)


def source_link(sources: Any, day: date | None = None, *, last: bool = False) -> str:
    """The link of a source cell. Web addresses come first: the first one (the last one when
    `last`, for an event that ends something, whose source is cited after the one that began it),
    preferring an address that carries the event's year; else the first public repository file
    (`owner/repo@commit:path`) as a GitHub address at that commit; '' when it has neither."""
    parts = [p.strip() for p in cell_text(sources).split("|") if p.strip()]
    links = [link for p in parts if (link := safe_link(p.split()[0]))]
    if links:
        ordered = links[::-1] if last else links
        year = str(day.year) if day is not None else ""
        return next((u for u in ordered if year and year in u), ordered[0])
    for part in parts:
        found = _REPO_FILE.match(part)
        if found:
            repo, commit, path = found.groups()
            return safe_link(f"https://github.com/{repo}/blob/{commit}/{path}") or ""
    return ""


def _day(value: Any) -> date | None:
    """A calendar day from 'YYYY-MM-DD' text or a date; None for a blank or a coarser date."""
    text = cell_text(value).strip()[:10]
    if len(text) < 10 or text.lower() in {"nan", "none", "nat"}:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _table(store: ReadStore, name: str) -> pd.DataFrame:
    return store.table(name) if name in store.tables() else pd.DataFrame()


def _col(frame: pd.DataFrame, name: str) -> list[Any]:
    return frame[name].tolist() if name in frame.columns else [None] * len(frame)


def _event(day: date, kind: str, iso3: str, title: str, link: str) -> dict[str, Any]:
    return {"date": day, "kind": kind, "iso3": iso3, "title": title, "source_url": link}


def _row_link(sources: Any, day: date, other: date | None, ends: bool) -> str:
    """The link for one of a row's two events (its start or its end, `other` being the other's
    day): the year picks between the row's sources only when the two events differ in year."""
    telling = other is None or other.year != day.year
    return source_link(sources, day if telling else None, last=ends)


def export_control_events(
    export_controls: pd.DataFrame, diffusion_tiers: pd.DataFrame, lang: str
) -> Iterator[dict[str, Any]]:
    """Dated listings in and removals from EAR Country Groups (groups changing together on one
    day from one source make one event), and the AI Diffusion tiers starting and ending."""
    changes: dict[tuple[date, str, str, str], list[str]] = {}
    ec = export_controls
    for code, group, start, end, src in zip(
        _col(ec, "iso3"),
        _col(ec, "group_code"),
        _col(ec, "effective_from"),
        _col(ec, "effective_to"),
        _col(ec, "source"),
        strict=True,
    ):
        days = (_day(start), _day(end))
        for day, other, change in ((days[0], days[1], "listed"), (days[1], days[0], "removed")):
            if day is not None:
                link = _row_link(src, day, other, change == "removed")
                key = (day, cell_text(code), change, link)
                changes.setdefault(key, []).append(cell_text(group))
    for (day, code, change, link), groups in changes.items():
        yield _event(
            day,
            EXPORT_CONTROL,
            code,
            t(f"events.ec.{change}", lang, groups=", ".join(sorted(set(groups)))),
            link,
        )
    dt = diffusion_tiers
    for code, tier, start, end, src in zip(
        _col(dt, "iso3"),
        _col(dt, "tier"),
        _col(dt, "effective_from"),
        _col(dt, "effective_to"),
        _col(dt, "source"),
        strict=True,
    ):
        tier_text = cell_text(tier)
        known = tier_text in {"1", "2", "3"}
        days = (_day(start), _day(end))
        for day, other, ends in ((days[0], days[1], False), (days[1], days[0], True)):
            if day is None:
                continue
            which = ("end" if ends else "start") + ("" if known else "_unconfirmed")
            title = t(f"events.tier.{which}", lang, tier=tier_text)
            link = _row_link(src, day, other, ends)
            yield _event(day, EXPORT_CONTROL, cell_text(code), title, link)


def agreement_events(partnerships: pd.DataFrame, lang: str) -> Iterator[dict[str, Any]]:
    """US AI agreements on their signing day (and on their end day when one is recorded)."""
    p = partnerships
    for code, agreement, signed, end, src in zip(
        _col(p, "iso3"),
        _col(p, "agreement"),
        _col(p, "signed"),
        _col(p, "effective_to"),
        _col(p, "source_url"),
        strict=True,
    ):
        name = cell_text(agreement)
        label = label_or(f"events.agreement.{name}", lang, name)
        days = (_day(signed), _day(end))
        for day, other, ends in ((days[0], days[1], False), (days[1], days[0], True)):
            if day is None:
                continue
            title = t("events.agreement." + ("ended" if ends else "signed"), lang, agreement=label)
            link = _row_link(src, day, other, ends)
            yield _event(day, US_AGREEMENT, cell_text(code), title, link)


def rule_events(records: pd.DataFrame) -> Iterator[dict[str, Any]]:
    """Fetched BIS documents: one event per country named (iso3 '' when none), dated by
    publication; a record whose body is not a dated document is left out."""
    for body in _col(records, "body"):
        try:
            doc = json.loads(cell_text(body))
        except ValueError:
            continue
        if not isinstance(doc, dict):
            continue
        day = _day(doc.get("publication_date"))
        if day is None:
            continue
        number = cell_text(doc.get("document_number")).strip()
        link = safe_link(doc.get("html_url")) or (document_url(number) if number else "")
        countries = doc.get("countries") or []
        codes = sorted({str(c) for c in countries}) if isinstance(countries, list) else []
        for code in codes or [""]:
            yield _event(day, BIS_RULE, code, cell_text(doc.get("title")), link)


def _rule_records(store: ReadStore) -> pd.DataFrame:
    # Saved records belong to the store as a whole; a version pinned for reading has none.
    records: Callable[[str], pd.DataFrame] | None = getattr(store, "records", None)
    return records(RECORD_KIND) if records is not None else pd.DataFrame()


def dated_events(
    store: ReadStore,
    lang: str,
    since: date | None = None,
    iso3: str | None = None,
) -> pd.DataFrame:
    """Every dated event, newest first: columns date (a `datetime.date`), kind (one of KINDS),
    iso3 ('' for a rule naming no country), title (in `lang` where we have it, else the Federal
    Register's English title) and source_url. `since` keeps events on or after that day; `iso3`
    keeps that country's events only."""
    rows = [
        *export_control_events(
            _table(store, "export_controls"), _table(store, "diffusion_tiers"), lang
        ),
        *agreement_events(_table(store, "us_partnerships"), lang),
        *rule_events(_rule_records(store)),
    ]
    events = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
    if since is not None:
        events = events[[d >= since for d in events["date"]]]
    if iso3 is not None:
        events = events[events["iso3"] == iso3]
    events = events.assign(_order=events["kind"].map(KINDS.index))
    events = events.sort_values(
        ["date", "_order", "iso3", "title"],
        ascending=[False, True, True, True],
        kind="stable",
    )
    return events.drop(columns="_order").drop_duplicates().reset_index(drop=True)
