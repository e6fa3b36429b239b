"""Live refresh of the Bureau of Industry and Security's documents from the Federal Register API.

What the API is, as found in its documentation and in public clients' code (not guessed):

- Search endpoint `GET https://www.federalregister.gov/api/v1/documents.json`, no key: the API's
  documentation page (www.federalregister.gov/developers/documentation/api/v1, in a copy fetched
  2026-02-25 and kept in a public repository) and data.gov's launch note "API Now Available From
  Federal Register 2.0" (2011: "No API keys are needed"; "URLs are provided to navigate to ... the
  next page of results").
- Conditions (same documentation): `conditions[agencies][]` takes an agency slug, here
  `industry-and-security-bureau` (the slug public BIS clients use; one notes that a wrong slug
  makes the API refuse the whole query with HTTP 400); `conditions[type][]` is repeatable, here
  RULE, PRORULE and NOTICE (PRESDOCU, presidential documents, are not BIS's);
  `conditions[publication_date][gte]` / `[lte]` take YYYY-MM-DD; `fields[]` chooses the fields;
  `per_page` is 20 by default and at most 1000; `order` is `relevance`, `newest` or `oldest`.
- The answer is `{"count", "description", "total_pages", "next_page_url", "results": [...]}`;
  `next_page_url` is absent or null on the last page. Each result carries the fields asked for:
  `document_number`, `title`, `type` (real answers spell it "Rule", "Proposed Rule", "Notice"),
  `abstract` (null for some documents), `publication_date`, `effective_on` (null when none),
  `html_url`, `pdf_url` (govinfo.gov) and `citation` ("89 FR 54962").
- One query pages through at most 2,000 results ("use date filters to retrieve more", same
  documentation): a window that holds more is split in two by date until each part fits.
- Requests are limited to 5 a second (the maintainers, usnationalarchives/federalregister-api-core
  issue #13); a 429 or 5xx answer is retried with backoff, honouring Retry-After.

Like the World Bank refresh (risk/upload/refresh.py): `requests` with connect and read timeouts,
retries, every page or nothing (the documents counted must all arrive), a base URL from
$RISK_FEDERAL_REGISTER_URL (tests point it at a local server), and a RefreshError with a readable
reason when offline, before anything is stored. Each document is kept as a saved record of kind
"bis_rule" under its document number; its body is the fields above plus `countries`, the ISO3 codes
of the countries its title and abstract name (the country matcher's names, and entity-list phrases
such as "Chinese entities"; the United States, named by nearly every BIS text, is left out).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import requests

from risk.errors import RefreshError, RiskError
from risk.gates import EXPORTER
from risk.harmonise import CountryMatcher
from risk.i18n import t
from risk.store.protocol import Store
from risk.upload.matching import country_matcher
from risk.upload.refresh import (
    BACKOFF_S,
    RETRIES,
    TIMEOUT_S,
    _Transient,
    _with_retries,
    request_json,
)

FEDERAL_REGISTER_URL = "https://www.federalregister.gov/api/v1"
URL_ENV = "RISK_FEDERAL_REGISTER_URL"
DOCUMENT_URL = "https://www.federalregister.gov/d/{number}"
AGENCY = "industry-and-security-bureau"
TYPES: tuple[str, ...] = ("RULE", "PRORULE", "NOTICE")
FIELDS: tuple[str, ...] = (
    "document_number",
    "title",
    "abstract",
    "publication_date",
    "effective_on",
    "type",
    "html_url",
    "pdf_url",
    "citation",
)
PER_PAGE = 1000  # the API's largest page
MAX_RESULTS = 2000  # the most one query pages through
MAX_PAGES = 100  # a runaway chain of next pages is an error, not a loop
DEFAULT_DAYS = 730
RECORD_KIND = "bis_rule"
WHAT = "the Federal Register API"
DEMONYMS_PATH = Path(__file__).resolve().parent.parent / "data" / "demonyms.csv"
# What an entity-list rule lists after a nationality: "12 Chinese entities", "Russian and
# Belarusian end users", "Emirati persons".
_PARTIES = (
    r"entit(?:y|ies)|compan(?:y|ies)|persons?|individuals?|part(?:y|ies)|firms?|addresses|"
    r"(?:military\s+)?end[\s-]+users?|nationals|subsidiaries|affiliates"
)


def base_url() -> str:
    """The API root: $RISK_FEDERAL_REGISTER_URL (tests point it at a local server), else the real one."""
    return os.environ.get(URL_ENV, FEDERAL_REGISTER_URL).rstrip("/")


def document_url(number: str) -> str:
    """The Federal Register's page for a document number."""
    return DOCUMENT_URL.format(number=number)


def default_window(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The publication dates fetched by default: the last two years, today included."""
    end = today or dt.date.today()
    return end - dt.timedelta(days=DEFAULT_DAYS), end


# -- country names in a document ------------------------------------------------------------
@lru_cache(maxsize=1)
def _demonym_pattern() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, str]]:
    table = pd.read_csv(DEMONYMS_PATH, dtype=str, keep_default_na=False)
    iso3 = {d.casefold(): c for d, c in zip(table["demonym"], table["iso3"], strict=True)}
    one = "|".join(re.escape(d) for d in sorted(table["demonym"], key=lambda d: -len(d)))
    listed = rf"(?:{one})(?:\s*,\s*(?:{one}))*(?:\s*,?\s+(?:and|or)\s+(?:{one}))?"
    phrase = re.compile(
        rf"\b({listed})[\s-]+(?:based\s+|owned\s+|registered\s+)?(?:{_PARTIES})\b", re.IGNORECASE
    )
    return phrase, re.compile(rf"\b(?:{one})\b", re.IGNORECASE), iso3


def countries_named(title: str, abstract: str, matcher: CountryMatcher) -> list[str]:
    """ISO3 codes of the countries a document's title and abstract name, sorted: country names
    as the matcher knows them, and nationalities before the parties an entity-list rule adds
    ("five Chinese entities", "Russian and Belarusian end users"). The United States is left out:
    nearly every BIS text names it as the regulating country, not as a destination."""
    text = f"{title or ''}\n{abstract or ''}"
    found = matcher.mentions(text)
    phrase, one, iso3 = _demonym_pattern()
    for listed in phrase.finditer(text):
        found |= {iso3[m.group(0).casefold()] for m in one.finditer(listed.group(1))}
    return sorted((found & matcher.known) - {EXPORTER})


# -- fetching -------------------------------------------------------------------------------
@dataclass
class FetchResult:
    """Every document published in the window, and how they were obtained."""

    documents: list[dict[str, Any]]
    since: dt.date
    until: dt.date
    pages: int = 0
    retries: int = 0
    windows: list[tuple[dt.date, dt.date]] = field(default_factory=list)


def _params(since: dt.date, until: dt.date, per_page: int) -> list[tuple[str, str]]:
    """The query string, repeated keys included (`conditions[type][]`, `fields[]`)."""
    return [
        ("conditions[agencies][]", AGENCY),
        *(("conditions[type][]", kind) for kind in TYPES),
        ("conditions[publication_date][gte]", since.isoformat()),
        ("conditions[publication_date][lte]", until.isoformat()),
        *(("fields[]", name) for name in FIELDS),
        ("per_page", str(per_page)),
        ("order", "oldest"),
    ]


def _get_json(
    session: requests.Session,
    url: str,
    params: list[tuple[str, str]] | None,
    timeout: tuple[float, float],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One page: (answer, results); _Transient for what is worth retrying, RefreshError otherwise."""
    status, body = request_json(session, url, params, timeout)
    if status != 200:
        raise RefreshError(f"{WHAT} answered HTTP {status}")
    if not isinstance(body, dict):
        raise _Transient("the answer was not a JSON object")
    if "errors" in body and "results" not in body:
        raise RefreshError(f"{WHAT} refused the request: {json.dumps(body['errors'])[:200]}")
    results = body.get("results") or []
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        raise _Transient("the results of the answer are not a list of documents")
    return body, results


def _count(body: dict[str, Any]) -> int:
    try:
        return int(body.get("count") or 0)
    except (TypeError, ValueError) as exc:
        raise RefreshError(f"{WHAT}: the document count is not a number") from exc


def fetch_federal_register(
    since: dt.date,
    until: dt.date,
    *,
    url: str | None = None,
    session: requests.Session | None = None,
    timeout: tuple[float, float] = TIMEOUT_S,
    retries: int = RETRIES,
    backoff: float = BACKOFF_S,
    per_page: int = PER_PAGE,
    max_results: int = MAX_RESULTS,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchResult:
    """Every BIS rule, proposed rule and notice published from `since` to `until` (inclusive), all
    pages or nothing."""
    if since > until:
        raise RiskError(f"the window starts after it ends ({since} > {until})")
    root = (url or base_url()).rstrip("/")
    origin = urlsplit(root)[:2]
    sess = session or requests.Session()
    result = FetchResult(documents=[], since=since, until=until)
    counter = [0]
    by_number: dict[str, dict[str, Any]] = {}

    def get(
        page_url: str, params: list[tuple[str, str]] | None
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        def once() -> tuple[dict[str, Any], list[dict[str, Any]]]:
            return _get_json(sess, page_url, params, timeout)

        answer = _with_retries(once, retries, backoff, sleep, counter, WHAT)
        result.pages += 1
        return answer

    windows = [(since, until)]
    while windows:
        start, end = windows.pop(0)
        body, results = get(f"{root}/documents.json", _params(start, end, per_page))
        total = _count(body)
        if total > max_results:
            if start == end:
                raise RefreshError(
                    f"{WHAT}: {total} documents on {start}, more than one query holds"
                )
            middle = start + (end - start) // 2
            windows[:0] = [(start, middle), (middle + dt.timedelta(days=1), end)]
            continue
        result.windows.append((start, end))
        got = list(results)
        pages = 1
        while next_url := body.get("next_page_url"):
            if urlsplit(str(next_url))[:2] != origin:
                raise RefreshError(f"{WHAT}: the next page is on another site; nothing stored")
            pages += 1
            if pages > MAX_PAGES:
                raise RefreshError(f"{WHAT}: more than {MAX_PAGES} pages; nothing stored")
            body, results = get(str(next_url), None)
            if _count(body) != total:
                raise RefreshError(
                    f"{WHAT}: incomplete download (the count changed from {total} to "
                    f"{_count(body)} between pages); nothing stored"
                )
            got.extend(results)
        numbers = {str(doc.get("document_number") or "").strip() for doc in got}
        numbers.discard("")
        if len(numbers) != total or len(got) != total:
            raise RefreshError(
                f"{WHAT}: incomplete download ({len(numbers)} of {total} documents from {start} "
                f"to {end}); nothing stored"
            )
        for doc in got:
            by_number[str(doc["document_number"]).strip()] = doc
    result.retries = counter[0]
    result.documents = sorted(
        by_number.values(), key=lambda d: (str(d.get("publication_date")), d["document_number"])
    )
    return result


# -- storing --------------------------------------------------------------------------------
def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def record_body(doc: dict[str, Any], matcher: CountryMatcher) -> dict[str, Any]:
    """What is kept of a document: the fields asked for, and the countries it names."""
    body: dict[str, Any] = {
        name: (None if doc.get(name) is None else _text(doc[name])) for name in FIELDS
    }
    body["countries"] = countries_named(
        _text(doc.get("title")), _text(doc.get("abstract")), matcher
    )
    return body


@dataclass
class FederalRegisterResult:
    """What a refresh did: documents fetched, how many were new or changed, and the window."""

    fetched: int
    new: int
    changed: int
    named: int  # documents naming at least one country
    since: dt.date
    until: dt.date
    dry_run: bool
    fetch: FetchResult


def refresh_federal_register(
    store: Store,
    since: dt.date | None = None,
    until: dt.date | None = None,
    *,
    dry_run: bool = False,
    **fetch_options: Any,
) -> FederalRegisterResult:
    """Fetch BIS documents published in the window (default: the last two years) and keep the new
    and changed ones as saved records; nothing is stored unless every page arrived."""
    # 1. load
    first, last = default_window()
    start, end = since or first, until or last
    fetched = fetch_federal_register(start, end, **fetch_options)
    # 2. process
    matcher = country_matcher(store)
    bodies = {
        _text(doc["document_number"]): json.dumps(
            record_body(doc, matcher), ensure_ascii=False, sort_keys=True
        )
        for doc in fetched.documents
    }
    kept = store.records(RECORD_KIND)
    existing = dict(zip(kept["key"].astype(str), kept["body"].astype(str), strict=True))
    new = [k for k in bodies if k not in existing]
    changed = [k for k in bodies if k in existing and existing[k] != bodies[k]]
    # 3. save
    if not dry_run:
        for key in [*new, *changed]:
            store.put_record(RECORD_KIND, key, bodies[key])
    named = sum(1 for body in bodies.values() if json.loads(body)["countries"])
    return FederalRegisterResult(
        len(bodies), len(new), len(changed), named, start, end, dry_run, fetched
    )


def federal_register_message(
    outcome: FederalRegisterResult | RiskError, lang: str
) -> tuple[bool, str]:
    """(succeeded, message in `lang`) for a Federal Register refresh or the error it raised."""
    if isinstance(outcome, RiskError):
        unreachable = f"{WHAT} could not be reached ("  # how _with_retries words it
        if outcome.message.startswith(unreachable):
            reason = outcome.message.removeprefix(unreachable).removesuffix(")")
            return False, t("refresh.federal_register.offline", lang, reason=reason)
        return False, t("refresh.federal_register.failed", lang, reason=outcome.message)
    fmt = {
        "documents": outcome.fetched,
        "named": outcome.named,
        "new": outcome.new,
        "changed": outcome.changed,
        "since": outcome.since.isoformat(),
        "until": outcome.until.isoformat(),
    }
    if outcome.dry_run:
        return True, t("refresh.federal_register.dryrun", lang, **fmt)
    if not outcome.new and not outcome.changed:
        return True, t("refresh.federal_register.nochange", lang, **fmt)
    return True, t("refresh.federal_register.done", lang, **fmt)


def parse_day(text: str | None) -> dt.date | None:
    """A YYYY-MM-DD date from the command line (None for none)."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise RiskError(f"not a date (YYYY-MM-DD): {text!r}") from exc
