"""Live refresh of World Development Indicators from the World Bank API.

`fetch_worldbank` downloads every page of each series with `requests`: connect and read timeouts,
retries with exponential backoff on 429 and 5xx (honouring Retry-After), on dropped connections and
on truncated or malformed JSON, and a local cache of complete answers. A series counts only when all
its pages arrived and the row count matches the API's total; otherwise the whole refresh fails and
nothing is published. `refresh_worldbank` then publishes the rows that differ from the current data
as a new version. Offline, it raises RefreshError with a readable reason and changes nothing.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import requests

from risk.errors import RefreshError, RiskError
from risk.i18n import t
from risk.paths import data_dir
from risk.store.protocol import Store, VersionInfo

WORLD_BANK_URL = "https://api.worldbank.org/v2"
PER_PAGE = 20_000
TIMEOUT_S = (5.0, 30.0)  # connect, read
RETRIES = 4
BACKOFF_S = 1.0
MAX_RETRY_AFTER_S = 60.0
CACHE_MAX_AGE_S = 24 * 3600
SOURCE = "wdi-api"


def base_url() -> str:
    """The API root: $RISK_WORLDBANK_URL (tests point it at a local server), else the real one."""
    return os.environ.get("RISK_WORLDBANK_URL", WORLD_BANK_URL).rstrip("/")


@dataclass
class FetchResult:
    """Rows of every requested series (World Bank codes), and how they were obtained."""

    rows: pd.DataFrame  # wb_code, iso3, year, value
    pages: int = 0
    from_cache: int = 0
    retries: int = 0
    totals: dict[str, int] = field(default_factory=dict)


class _Transient(Exception):
    """A failure worth retrying (429, 5xx, dropped connection, truncated body)."""

    def __init__(self, reason: str, wait: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


def _retry_after(resp: requests.Response) -> float | None:
    value = resp.headers.get("Retry-After")
    try:
        return min(float(value), MAX_RETRY_AFTER_S) if value else None
    except ValueError:
        return None


def request_json(
    session: requests.Session,
    url: str,
    params: Any,
    timeout: tuple[float, float],
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """GET `url` and read its JSON, for every live source: _Transient for what is worth retrying
    (no connection, a timeout, 429 or 5xx, a truncated body); otherwise (status, body), the body
    None when the status is not 200 (the caller names what that status means for its source)."""
    try:
        resp = session.get(url, params=params, headers=headers, timeout=timeout)
    except requests.exceptions.ConnectionError as exc:
        raise _Transient(f"connection failed: {type(exc).__name__}") from exc
    except requests.exceptions.Timeout as exc:
        raise _Transient("timed out") from exc
    except requests.exceptions.RequestException as exc:
        raise _Transient(f"request failed: {type(exc).__name__}") from exc
    if resp.status_code == 429 or resp.status_code >= 500:
        raise _Transient(f"HTTP {resp.status_code}", _retry_after(resp))
    if resp.status_code != 200:
        return resp.status_code, None
    try:
        return 200, resp.json()
    except (ValueError, requests.exceptions.RequestException) as exc:
        raise _Transient("the answer was not complete JSON") from exc


def _get_page(
    session: requests.Session, url: str, params: dict[str, Any], timeout: tuple[float, float]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One page: (meta, records); raise _Transient for retryable failures, RefreshError otherwise."""
    status, body = request_json(session, url, params, timeout)
    if status != 200:
        raise RefreshError(f"the World Bank API answered HTTP {status} for {url}")
    if (
        isinstance(body, list)
        and len(body) == 1
        and isinstance(body[0], dict)
        and "message" in body[0]
    ):
        msgs = body[0].get("message") or [{}]
        text = "; ".join(str(m.get("value", m)) for m in msgs if isinstance(m, dict))
        raise RefreshError(f"the World Bank API refused the request: {text}")
    if not (isinstance(body, list) and len(body) == 2 and isinstance(body[0], dict)):
        raise _Transient("the answer did not have the expected [meta, data] shape")
    meta, data = body
    if data is None:
        data = []
    if not isinstance(data, list):
        raise _Transient("the data part of the answer is not a list")
    return meta, data


def _with_retries(
    fetch: Callable[[], tuple[dict[str, Any], list[dict[str, Any]]]],
    retries: int,
    backoff: float,
    sleep: Callable[[float], None],
    counter: list[int],
    what: str = "the World Bank API",
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Call `fetch` until it answers, backing off on _Transient failures; `what` names the source."""
    last = ""
    for attempt in range(retries + 1):
        try:
            return fetch()
        except _Transient as exc:
            last = exc.reason
            # A refused or unresolvable connection means offline: one quick retry, not the ladder.
            offline = exc.reason.startswith("connection failed") and attempt >= 1
            if attempt == retries or offline:
                break
            counter[0] += 1
            sleep(exc.wait if exc.wait is not None else backoff * (2**attempt))
    raise RefreshError(f"{what} could not be reached ({last})")


def _cache_path(cache_dir: Path, code: str, page: int, date_range: str) -> Path:
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in code)
    return cache_dir / safe / f"{date_range.replace(':', '-')}_p{page}.json"


def fetch_worldbank(
    codes: Iterable[str],
    *,
    url: str | None = None,
    date_range: str = "1990:2030",
    session: requests.Session | None = None,
    cache_dir: Path | None = None,
    max_age_s: float = CACHE_MAX_AGE_S,
    timeout: tuple[float, float] = TIMEOUT_S,
    retries: int = RETRIES,
    backoff: float = BACKOFF_S,
    per_page: int = PER_PAGE,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchResult:
    """Download whole series (World Bank codes such as NY.GDP.MKTP.CD); all or nothing."""
    root = (url or base_url()).rstrip("/")
    sess = session or requests.Session()
    cache = cache_dir if cache_dir is not None else data_dir() / "cache" / "worldbank"
    frames: list[pd.DataFrame] = []
    result = FetchResult(rows=pd.DataFrame())
    counter = [0]
    for code in codes:
        code = code.strip().upper()
        records: list[dict[str, Any]] = []
        page, pages, total = 1, 1, None
        while page <= pages:
            path = _cache_path(cache, code, page, date_range)
            cached = _read_cache(path, max_age_s)
            if cached is not None:
                meta, data = cached
                result.from_cache += 1
            else:
                params = {"format": "json", "per_page": per_page, "page": page, "date": date_range}
                endpoint = f"{root}/country/all/indicator/{code}"

                def get(
                    endpoint: str = endpoint, params: dict[str, Any] = params
                ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
                    return _get_page(sess, endpoint, params, timeout)

                meta, data = _with_retries(get, retries, backoff, sleep, counter)
                _write_cache(path, meta, data)
            result.pages += 1
            try:
                pages = int(meta.get("pages") or 1)
                page_total = int(meta.get("total") or 0)
            except (TypeError, ValueError) as exc:
                raise RefreshError(f"{code}: the API's page counts are not numbers") from exc
            if total is not None and page_total != total:
                raise RefreshError(
                    f"{code}: incomplete download (the total changed from {total} to "
                    f"{page_total} between pages); nothing published"
                )
            total = page_total
            records.extend(data)
            page += 1
        if total is not None and len(records) != total:
            raise RefreshError(
                f"{code}: incomplete download ({len(records)} of {total} rows); nothing published"
            )
        result.totals[code] = len(records)
        frames.append(_records_frame(code, records))
    result.retries = counter[0]
    result.rows = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["wb_code", "iso3", "year", "value"])
    )
    return result


def _records_frame(code: str, records: list[dict[str, Any]]) -> pd.DataFrame:
    rows = []
    for rec in records:
        if not isinstance(rec, dict):
            raise RefreshError(f"{code}: a record is not an object")
        rows.append(
            {
                "wb_code": code,
                "iso3": str(rec.get("countryiso3code") or ""),
                "year": rec.get("date"),
                "value": rec.get("value"),
            }
        )
    df = pd.DataFrame(rows, columns=["wb_code", "iso3", "year", "value"])
    df["year"] = pd.to_numeric(df["year"], errors="coerce")
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    return df


def _read_cache(path: Path, max_age_s: float) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    try:
        if max_age_s <= 0 or time.time() - path.stat().st_mtime > max_age_s:
            return None
        body = json.loads(path.read_text(encoding="utf-8"))
        return body["meta"], body["data"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_cache(path: Path, meta: dict[str, Any], data: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"meta": meta, "data": data}), encoding="utf-8")
    os.replace(tmp, path)  # a reader never sees half a cache file


@dataclass
class RefreshResult:
    """What a refresh did: the new version (None if nothing changed) and counts."""

    version: VersionInfo | None
    rows_fetched: int
    rows_changed: int
    indicators: list[str]
    fetch: FetchResult


def worldbank_codes(store: Store) -> list[str]:
    """The World Bank codes of the WDI indicators in the catalogue (wdi.ny.gdp.mktp.cd -> NY.GDP...)."""
    ind = store.table("indicators")
    codes = ind.loc[ind["code"].astype(str).str.startswith("wdi."), "code"].astype(str)
    return sorted(c.removeprefix("wdi.").upper() for c in codes)


def refresh_worldbank(
    store: Store,
    codes: Iterable[str] | None = None,
    *,
    author: str,
    dry_run: bool = False,
    **fetch_options: Any,
) -> RefreshResult:
    """Fetch WDI series and publish the values that differ from the current version."""
    wanted = [c.strip().upper().removeprefix("WDI.") for c in (codes or worldbank_codes(store))]
    if not wanted:
        raise RefreshError("no World Bank indicators to refresh")
    fetched = fetch_worldbank(wanted, **fetch_options)
    known = set(store.table("countries")["iso3"])
    rows = fetched.rows
    rows = rows[rows["iso3"].isin(known) & rows["value"].notna() & rows["year"].notna()]
    obs = pd.DataFrame(
        {
            "iso3": rows["iso3"].astype(str),
            "indicator": "wdi." + rows["wb_code"].str.lower(),
            "year": rows["year"].astype("int32"),
            "value": rows["value"].astype("float64"),
            "source": SOURCE,
        }
    ).drop_duplicates(["iso3", "indicator", "year"], keep="last")
    current = store.query(
        "SELECT iso3, indicator, year, value FROM observations WHERE list_contains(?, indicator)",
        [sorted(set(obs["indicator"]))],
    )
    merged = obs.merge(current, on=["iso3", "indicator", "year"], how="left", suffixes=("", "_now"))
    changed = merged[
        merged["value_now"].isna() | ((merged["value"] - merged["value_now"]).abs() > 1e-9)
    ]
    changed = changed[list(obs.columns)]
    indicators = sorted(set(obs["indicator"]))
    if dry_run or changed.empty:
        return RefreshResult(None, len(obs), len(changed), indicators, fetched)
    version = store.publish(
        changed,
        author=author,
        file_name=f"{base_url()} ({len(wanted)} series)",
        action="refresh",
        note="World Bank API: " + ", ".join(wanted[:10]) + (" …" if len(wanted) > 10 else ""),
    )
    return RefreshResult(version, len(obs), len(changed), indicators, fetched)


def refresh_message(outcome: RefreshResult | RiskError, lang: str) -> tuple[bool, str]:
    """(succeeded, message in `lang`) for a refresh result or the error it raised."""
    if isinstance(outcome, RiskError):
        return False, t("data.refresh.offline", lang, reason=outcome.message)
    if outcome.version is None:
        return True, t("data.refresh.nochange", lang)
    return True, t(
        "data.refresh.done",
        lang,
        rows=outcome.rows_fetched,
        indicators=len(outcome.indicators),
        version=outcome.version.version,
    )
