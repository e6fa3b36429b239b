"""Live refresh of Taiwan's exports of computers and servers (HS 8471 + 8473) from UN Comtrade.

What the API is, as found in its publishers' and maintained clients' code (not guessed):

- Endpoint `GET https://comtradeapi.un.org/data/v1/get/{typeCode}/{freqCode}/{clCode}`, here
  `C/A/HS` (commodities, annual, Harmonized System). It is the keyed "final data" endpoint that UN
  Comtrade's own package builds (github.com/uncomtrade/comtradeapicall,
  src/comtradeapicall/PreviewGet.py, `getPreviewData`); without a key only
  `/public/v1/preview/...` answers, capped at 500 rows (same file; README "Components").
- Query parameters `reporterCode`, `period` (a year for annual data), `cmdCode` (comma-separated
  codes), `flowCode` (`X` = exports), `partnerCode` (left out: every partner), `partner2Code`,
  `customsCode`, `motCode`, `includeDesc`, `breakdownMode` (comtradeapicall README, "Selection
  Criteria" and "Query Options"). We ask for the totals over second partner, customs procedure and
  mode of transport (`partner2Code=0`, `customsCode=C00`, `motCode=0`, as in the recorded request
  of rOpenSci's comtradr, tests/testthat/goods/comtradeapi.un.org/data/v1/get/C/A/HS-5e2730.R) and
  `breakdownMode=classic`, and drop any other row, so nothing is counted twice.
- The subscription key travels in the header `Ocp-Apim-Subscription-Key` (comtradr
  R/ct_build_request.R: `req_headers(Ocp-Apim-Subscription-Key = primary_token)`).
  comtradeapicall puts it in a `subscription-key` query parameter instead; the header keeps it out
  of URLs, logs and error messages.
- The answer is JSON `{"elapsedTime", "count", "data": [...], "error": ""}`; each record carries
  `refYear`, `reporterCode`, `flowCode`, `partnerCode`, `partnerISO` (ISO3; `W00` for World),
  `partnerDesc`, `partner2Code`, `cmdCode`, `customsCode`, `motCode`, `primaryValue` (US$) and
  `isAggregate` (the comtradr recording above). Errors come as `{"statusCode", "message"}`
  (comtradeapicall `getPreviewData`).
- Taiwan reports as "Other Asia, nes", code 490, in Comtrade's reporter list.
- Keys: free "comtrade - v1" product on the developer portal https://comtradedeveloper.un.org
  (steps at https://uncomtrade.org/docs/api-subscription-keys/, linked from comtradr's vignette);
  the free tier allows 500 calls a day of up to 100,000 rows (comtradr "large data" article).
- Terms (UN Comtrade licence, as quoted in the WITS terms, wits.worldbank.org/WITS/wits/
  registration/TermsAndCondtions.aspx): "These data are copyrighted by the United Nations. They are
  made available for internal use only and may not be re-disseminated in any form without written
  permission of the United Nations Statistics Division (UNSD)." Not an open licence.

Partners are mapped by `partnerISO` to the countries table; World (0), "Areas, nes" and other
groupings have no row there and are left out (counted in `FetchResult.unmatched`). The key comes from
$COMTRADE_API_KEY, else `[comtrade] api_key` in .streamlit/secrets.toml ($RISK_SECRETS_FILE points
elsewhere); it never appears in messages, the cache or the version log.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import requests

from risk.errors import RefreshError, RiskError
from risk.i18n import t
from risk.paths import PROJECT_ROOT, data_dir
from risk.schema import CATALOGUE_COLUMNS
from risk.store.protocol import Store, VersionInfo
from risk.upload.refresh import (
    BACKOFF_S,
    CACHE_MAX_AGE_S,
    RETRIES,
    TIMEOUT_S,
    _read_cache,
    _Transient,
    _with_retries,
    _write_cache,
    request_json,
)

COMTRADE_URL = "https://comtradeapi.un.org/data/v1"
PORTAL_URL = "https://comtradedeveloper.un.org"
KEY_ENV = "COMTRADE_API_KEY"
KEY_HEADER = "Ocp-Apim-Subscription-Key"
REPORTER = 490  # "Other Asia, nes": how Comtrade files Taiwan
HS_CODES = ("8471", "8473")
INDICATOR = "comtrade.twn_exports_8471_8473"
SOURCE = "comtrade-api"
WHAT = "UN Comtrade"
LICENCE = (
    "Not open: UN Comtrade data are copyrighted by the United Nations, made available for "
    "internal use only and may not be re-disseminated in any form without written permission "
    "of UNSD"
)
CATALOGUE: dict[str, Any] = {
    "code": INDICATOR,
    "name_en": "Taiwan's exports of computers, servers and their parts (HS 8471 + 8473)",
    "name_zh": "台灣出口電腦、伺服器及其零組件金額（HS 8471 + 8473）",
    "unit": "current US$",
    "source": "UN Comtrade",
    "licence": LICENCE,
    "description": (
        "Annual exports reported by Taiwan (Comtrade reporter 490, 'Other Asia, nes') to the "
        "country: HS 8471 (automatic data-processing machines, including servers) plus HS 8473 "
        "(their parts), primaryValue in US$, from the UN Comtrade API."
    ),
    "higher_is": "better",
    "open_licence": False,
}
_COLUMNS = ["iso3", "partner_code", "year", "cmd", "value"]


class ComtradeKeyError(RiskError):
    """No Comtrade subscription key was found, or the API refused it (nothing was changed)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status  # None: no key; 401/403: the API refused it


def base_url() -> str:
    """The API root: $RISK_COMTRADE_URL (tests point it at a local server), else the real one."""
    return os.environ.get("RISK_COMTRADE_URL", COMTRADE_URL).rstrip("/")


def secrets_file() -> Path:
    """Streamlit's secrets file of the project: $RISK_SECRETS_FILE, else .streamlit/secrets.toml."""
    env = os.environ.get("RISK_SECRETS_FILE")
    return Path(env) if env else PROJECT_ROOT / ".streamlit" / "secrets.toml"


def comtrade_key(
    environ: Mapping[str, str] | None = None, secrets_path: Path | None = None
) -> str | None:
    """The subscription key: $COMTRADE_API_KEY, else `[comtrade] api_key` in the secrets file."""
    env = os.environ if environ is None else environ
    key = (env.get(KEY_ENV) or "").strip()
    if key:
        return key
    path = secrets_path or secrets_file()
    try:
        secrets = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        # The file holds secrets: name it, never quote it.
        raise RiskError(f"cannot read {path.name}: not a valid TOML file") from exc
    section = secrets.get("comtrade")
    value = section.get("api_key") if isinstance(section, dict) else None
    text = str(value).strip() if value else ""
    return text or None


def default_years(today: dt.date | None = None) -> list[int]:
    """The last five complete calendar years."""
    year = (today or dt.date.today()).year
    return list(range(year - 5, year))


def parse_years(text: str | None, today: dt.date | None = None) -> list[int]:
    """`2020-2024`, `2021,2023` or None (the default five years) -> sorted years."""
    if not text or not text.strip():
        return default_years(today)
    last = (today or dt.date.today()).year
    years: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        try:
            if "-" in part:
                lo, hi = (int(x) for x in part.split("-", 1))
                years.update(range(lo, hi + 1))
            elif part:
                years.add(int(part))
        except ValueError as exc:
            raise RiskError(f"--years: {part!r} is not a year or a range like 2020-2024") from exc
    bad = sorted(y for y in years if not 1962 <= y <= last)
    if bad or not years:
        raise RiskError(f"--years: give years between 1962 and {last} (got {bad or text!r})")
    return sorted(years)


@dataclass
class FetchResult:
    """Records of every requested year, and how they were obtained."""

    rows: pd.DataFrame  # iso3, partner_code, year, cmd, value (one row per kept record)
    requests: int = 0
    from_cache: int = 0
    retries: int = 0
    records: int = 0  # as the API sent them
    unmatched: int = 0  # partners with no ISO3 in the countries table (World, areas nes, ...)


def _scrub(text: str, key: str) -> str:
    return text.replace(key, "***") if key else text


def _get_year(
    session: requests.Session,
    url: str,
    params: dict[str, Any],
    key: str,
    timeout: tuple[float, float],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One year: (meta, records); _Transient for retryable failures, RefreshError otherwise."""
    status, body = request_json(session, url, params, timeout, headers={KEY_HEADER: key})
    if status in (401, 403):
        raise ComtradeKeyError(f"UN Comtrade refused the API key (HTTP {status})", status)
    if status != 200:
        raise RefreshError(f"UN Comtrade answered HTTP {status} for {url}")
    if not isinstance(body, dict):
        raise _Transient("the answer was not a JSON object")
    error = body.get("error")
    if error:
        raise RefreshError(f"UN Comtrade refused the request: {_scrub(str(error), key)}")
    data = body.get("data")
    if data is None:
        data = []
    if not isinstance(data, list):
        raise _Transient("the data part of the answer is not a list")
    count = body.get("count")
    if isinstance(count, int) and count != len(data):
        raise RefreshError(
            f"incomplete download ({len(data)} of {count} records for {params['period']}); "
            "nothing published"
        )
    return {"count": len(data)}, data


def _cache_path(cache_dir: Path, year: int) -> Path:
    return cache_dir / f"r{REPORTER}_X_{'-'.join(HS_CODES)}_{year}.json"


def fetch_comtrade(
    years: Iterable[int],
    *,
    key: str,
    url: str | None = None,
    session: requests.Session | None = None,
    cache_dir: Path | None = None,
    max_age_s: float = CACHE_MAX_AGE_S,
    timeout: tuple[float, float] = TIMEOUT_S,
    retries: int = RETRIES,
    backoff: float = BACKOFF_S,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchResult:
    """Taiwan's exports of HS 8471 and 8473 to every partner, one request per year; all or nothing."""
    if not key:
        raise ComtradeKeyError("no UN Comtrade API key")
    endpoint = f"{(url or base_url()).rstrip('/')}/get/C/A/HS"
    sess = session or requests.Session()
    cache = cache_dir if cache_dir is not None else data_dir() / "cache" / "comtrade"
    result = FetchResult(rows=pd.DataFrame(columns=_COLUMNS))
    counter = [0]
    records: list[dict[str, Any]] = []
    for year in sorted(set(years)):
        path = _cache_path(cache, year)
        cached = _read_cache(path, max_age_s)
        if cached is not None:
            data = cached[1]
            result.from_cache += 1
        else:
            params = {
                "reporterCode": REPORTER,
                "period": str(year),
                "cmdCode": ",".join(HS_CODES),
                "flowCode": "X",
                "partner2Code": 0,
                "customsCode": "C00",
                "motCode": 0,
                "breakdownMode": "classic",
                "includeDesc": "true",
            }

            def get(
                params: dict[str, Any] = params,
            ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
                return _get_year(sess, endpoint, params, key, timeout)

            try:
                meta, data = _with_retries(get, retries, backoff, sleep, counter, WHAT)
            except RiskError as exc:
                exc.message = _scrub(exc.message, key)
                raise
            _write_cache(path, meta, data)
            result.requests += 1
        records.extend(data)
    result.retries = counter[0]
    result.records = len(records)
    result.rows = _records_frame(records)
    return result


def _records_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Keep Taiwan's export totals of the two HS codes; one row per (partner, year, code)."""
    rows = []
    for rec in records:
        if not isinstance(rec, dict):
            raise RefreshError("UN Comtrade: a record is not an object")
        totals = (
            str(rec.get("flowCode", "X")) == "X"
            and str(rec.get("reporterCode", REPORTER)) == str(REPORTER)
            and str(rec.get("cmdCode")) in HS_CODES
            and str(rec.get("partner2Code", 0)) == "0"
            and str(rec.get("motCode", 0)) == "0"
            and str(rec.get("customsCode", "C00")) == "C00"
            and not rec.get("isAggregate", False)
        )
        if totals:
            rows.append(
                {
                    "iso3": str(rec.get("partnerISO") or ""),
                    "partner_code": rec.get("partnerCode"),
                    "year": rec.get("refYear", rec.get("period")),
                    "cmd": str(rec.get("cmdCode")),
                    "value": rec.get("primaryValue"),
                }
            )
    df = pd.DataFrame(rows, columns=_COLUMNS)
    df["year"] = pd.to_numeric(df["year"], errors="coerce")
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    return df


@dataclass
class RefreshResult:
    """What a refresh did: the new version (None if nothing changed) and counts."""

    version: VersionInfo | None
    rows_fetched: int
    rows_changed: int
    partners: int
    years: list[int]
    catalogue_changed: bool
    fetch: FetchResult
    dry_run: bool = False


def _catalogue_row(store: Store) -> pd.DataFrame | None:
    """The catalogue row to publish, or None when the catalogue already says the same."""
    ind = store.table("indicators")
    now = ind[ind["code"].astype(str) == INDICATOR]
    if len(now):
        row = now.iloc[0]
        same = all(str(row.get(f)) == str(CATALOGUE[f]) for f in CATALOGUE_COLUMNS[1:])
        if same and bool(row.get("open_licence")) == CATALOGUE["open_licence"]:
            return None
    return pd.DataFrame([CATALOGUE])


def refresh_comtrade(
    store: Store,
    years: Iterable[int] | None = None,
    *,
    author: str,
    key: str | None = None,
    dry_run: bool = False,
    **fetch_options: Any,
) -> RefreshResult:
    """Fetch Taiwan's HS 8471 + 8473 exports and publish the partner-years that changed."""
    # 1. load
    api_key = key if key is not None else comtrade_key()
    if not api_key:
        raise ComtradeKeyError("no UN Comtrade API key")
    wanted = sorted(set(years or default_years()))
    fetched = fetch_comtrade(wanted, key=api_key, **fetch_options)
    # 2. process: partners known as countries, the two HS codes summed per partner and year
    known = set(store.table("countries")["iso3"])
    rows = fetched.rows
    matched = rows["iso3"].isin(known)
    fetched.unmatched = int(rows.loc[~matched, "partner_code"].nunique())
    rows = rows[matched & rows["value"].notna() & rows["year"].notna()]
    summed = rows.groupby(["iso3", "year"], as_index=False)["value"].sum()
    obs = pd.DataFrame(
        {
            "iso3": summed["iso3"].astype(str),
            "indicator": INDICATOR,
            "year": summed["year"].astype("int32"),
            "value": summed["value"].astype("float64"),
            "source": SOURCE,
        }
    )
    assert not obs.duplicated(["iso3", "year"]).any(), "one value per partner and year"
    current = store.query(
        "SELECT iso3, year, value FROM observations WHERE indicator = ?", [INDICATOR]
    )
    merged = obs.merge(current, on=["iso3", "year"], how="left", suffixes=("", "_now"))
    changed = merged[
        merged["value_now"].isna() | ((merged["value"] - merged["value_now"]).abs() > 1e-6)
    ][list(obs.columns)]
    catalogue = _catalogue_row(store)

    def outcome(version: VersionInfo | None) -> RefreshResult:
        return RefreshResult(
            version,
            len(obs),
            len(changed),
            obs["iso3"].nunique(),
            wanted,
            catalogue is not None,
            fetched,
            dry_run,
        )

    if dry_run or (changed.empty and catalogue is None):
        return outcome(None)
    # 3. save
    version = store.publish(
        changed,
        author=author,
        indicators=catalogue,
        file_name=f"{base_url()} (reporter {REPORTER}, HS {'+'.join(HS_CODES)})",
        action="refresh",
        note=f"UN Comtrade API: {INDICATOR}, {wanted[0]}-{wanted[-1]}",
    )
    return outcome(version)


def comtrade_message(outcome: RefreshResult | RiskError, lang: str) -> tuple[bool, str]:
    """(succeeded, message in `lang`) for a Comtrade refresh result or the error it raised."""
    if isinstance(outcome, ComtradeKeyError):
        if outcome.status is None:
            return False, t("data.comtrade.nokey", lang, env=KEY_ENV, portal=PORTAL_URL)
        return False, t("data.comtrade.refused", lang, portal=PORTAL_URL)
    if isinstance(outcome, RiskError):
        unreachable = f"{WHAT} could not be reached ("  # how _with_retries words it
        if outcome.message.startswith(unreachable):
            reason = outcome.message.removeprefix(unreachable).removesuffix(")")
            return False, t("data.comtrade.offline", lang, reason=reason)
        return False, t("data.comtrade.failed", lang, reason=outcome.message)
    years = f"{outcome.years[0]}-{outcome.years[-1]}" if outcome.years else ""
    if outcome.dry_run:
        return True, t(
            "data.comtrade.dryrun",
            lang,
            rows=outcome.rows_fetched,
            changed=outcome.rows_changed,
            years=years,
        )
    if outcome.version is None:
        return True, t("data.comtrade.nochange", lang, years=years)
    return True, t(
        "data.comtrade.done",
        lang,
        rows=outcome.rows_fetched,
        partners=outcome.partners,
        years=years,
        version=outcome.version.version,
    )
