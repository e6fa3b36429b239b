"""Countries: the one table every other table is keyed on (ISO3), with names, regions and flags.

Sources: Datahub country-codes (ISO 3166 + UN M49 regions), pycountry (Traditional Chinese names),
World Bank CLASS (income groups), Natural Earth (label points), and the curated tables of
export-control groups, AI Diffusion tiers, blocs and Taiwan relations.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pycountry
import pyogrio

from risk.errors import IngestError
from risk.harmonise import CountryMatcher, Harmonised, normalise_name
from risk.ingest.common import assert_known_iso3, assert_no_aggregates, assert_unique

SHORT_NAMES_PATH = Path(__file__).resolve().parent.parent / "data" / "short_names.csv"

# Places treated as sovereign although country-codes does not say "Yes".
EXTRA_SOVEREIGN = {"PSE", "XKX"}
BLOCS = ["NATO", "US_MNNA", "Five_Eyes", "Quad", "G7", "OECD", "EU", "BRICS", "SCO", "BRI"]
INCOME_ORDER = ["Low income", "Lower middle income", "Upper middle income", "High income"]
# Groups that bar a destination from the ranking (plus China, Hong Kong and Macao by name).
GATE_GROUPS = ("D:5", "E:1", "E:2")


@dataclass
class CountryTables:
    countries: pd.DataFrame
    names: pd.DataFrame
    export_controls: pd.DataFrame
    diffusion_tiers: pd.DataFrame
    blocs: pd.DataFrame
    taiwan_relations: pd.DataFrame
    timeline: pd.DataFrame
    harmonised: list[Harmonised]


def _read_country_codes(raw: Path) -> pd.DataFrame:
    path = raw / "country_codes" / "country-codes.csv"
    df = pd.read_csv(path, keep_default_na=False, dtype=str)
    df = df[df["ISO3166-1-Alpha-3"].str.len() == 3].copy()
    df["_iso3"] = df["ISO3166-1-Alpha-3"]
    df["_iso2"] = df["ISO3166-1-Alpha-2"]
    df["_region"] = df["Region Name"]
    df["_subregion"] = df["Sub-region Name"]
    df["_zh_cn"] = df["UNTERM Chinese Short"].where(
        df["UNTERM Chinese Short"] != "", df["official_name_cn"]
    )
    return df


def _zh_tw_translator() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_TW"])


def _base_countries(codes: pd.DataFrame) -> pd.DataFrame:
    zh = _zh_tw_translator()
    short = pd.read_csv(SHORT_NAMES_PATH, keep_default_na=False, dtype=str).set_index("iso3")
    rows = []
    cols = [
        "_iso3",
        "_iso2",
        "_region",
        "_subregion",
        "_zh_cn",
        "is_independent",
        "official_name_en",
    ]
    for iso3, iso2, region, subregion, zh_cn, independent, official_en in codes[cols].itertuples(
        index=False
    ):
        rec = pycountry.countries.get(alpha_3=iso3)
        name_en = getattr(rec, "common_name", None) or (rec.name if rec else official_en)
        name_zh = zh.gettext(rec.name) if rec else ""
        if iso3 in short.index:
            name_en = short.at[iso3, "name_en"] or name_en
            name_zh = short.at[iso3, "name_zh_tw"] or name_zh
        rows.append(
            {
                "iso3": iso3,
                "iso2": iso2,
                "name_en": name_en,
                "name_zh_tw": name_zh,
                "region": region or None,
                "subregion": subregion or None,
                "sovereign": independent == "Yes" or iso3 in EXTRA_SOVEREIGN,
                "name_zh_cn": zh_cn or None,
            }
        )
    out = pd.DataFrame(rows)
    # Kosovo has no ISO 3166-1 entry; the World Bank and most sources use XKX.
    kosovo = {
        "iso3": "XKX",
        "iso2": "XK",
        "name_en": "Kosovo",
        "name_zh_tw": short.at["XKX", "name_zh_tw"],
        "region": "Europe",
        "subregion": "Southern Europe",
        "sovereign": True,
        "name_zh_cn": "科索沃",
    }
    out = pd.concat([out, pd.DataFrame([kosovo])], ignore_index=True)
    missing_zh = out[out["name_zh_tw"].eq("") | out["name_zh_tw"].isna()]
    if not missing_zh.empty:
        raise IngestError(
            "countries: no Traditional Chinese name", rows=missing_zh[["iso3"]].to_dict("records")
        )
    return out


def _name_variants(codes: pd.DataFrame, base: pd.DataFrame) -> pd.DataFrame:
    """Every name a source might use for a country: English variants and both Chinese scripts."""
    rows: list[dict[str, str]] = []

    def add(iso3: str, name: object, kind: str) -> None:
        if isinstance(name, str) and name.strip():
            rows.append({"iso3": iso3, "name": name.strip(), "kind": kind})

    for r in base.itertuples(index=False):
        add(r.iso3, r.name_en, "short_en")
        add(r.iso3, r.name_zh_tw, "short_zh_tw")
        add(r.iso3, r.iso2, "iso2")
        rec = pycountry.countries.get(alpha_3=r.iso3)
        if rec is not None:
            for attr, kind in (
                ("name", "iso_en"),
                ("official_name", "official_en"),
                ("common_name", "common_en"),
            ):
                add(r.iso3, getattr(rec, attr, None), kind)
    zh = _zh_tw_translator()
    for rec in pycountry.countries:
        add(rec.alpha_3, zh.gettext(rec.name), "iso_zh_tw")
    columns = {
        "UNTERM English Short": "unterm_en",
        "UNTERM English Formal": "unterm_en_formal",
        "official_name_en": "official_en",
        "CLDR display name": "cldr_en",
        "UNTERM Chinese Short": "unterm_zh_cn",
        "UNTERM Chinese Formal": "unterm_zh_cn_formal",
        "official_name_cn": "official_zh_cn",
    }
    for col, kind in columns.items():
        for iso3, name in codes[["ISO3166-1-Alpha-3", col]].itertuples(index=False):
            add(iso3, name, kind)
            if kind == "unterm_en" and isinstance(name, str) and name.endswith(" (the)"):
                add(iso3, name[: -len(" (the)")], kind)
    names = pd.DataFrame(rows).drop_duplicates(["iso3", "name"])
    # A variant that points to two countries is ambiguous ("Congo"); keep the short-name owner only.
    names["key"] = names["name"].map(normalise_name)
    owners = names[names["kind"].str.startswith("short")].set_index("key")["iso3"].to_dict()
    ambiguous = names.groupby("key")["iso3"].transform("nunique") > 1
    keep = ~ambiguous | names.apply(lambda r: owners.get(r["key"]) == r["iso3"], axis=1)
    names = names[keep].drop(columns="key")
    return names.sort_values(["iso3", "kind", "name"]).reset_index(drop=True)


def _income_groups(raw: Path, known: set[str]) -> pd.DataFrame:
    path = raw / "wb_income_class" / "CLASS.xlsx"
    df = pd.read_excel(path, sheet_name="List of economies", dtype=str)
    df = df[df["Region"].notna() & df["Code"].notna()]
    df = df.rename(
        columns={
            "Code": "iso3",
            "Income group": "income_group",
            "Region": "wb_region",
            "Lending category": "lending",
        }
    )
    df = df[df["iso3"].isin(known)]
    return df[["iso3", "income_group", "wb_region", "lending"]]


def _label_points(raw: Path, matcher: CountryMatcher) -> pd.DataFrame:
    path = raw / "natural_earth" / "ne_50m_admin_0_countries.zip"
    attrs = pyogrio.read_dataframe(
        f"zip://{path}",
        columns=["ADM0_A3", "ISO_A3_EH", "TYPE", "LABEL_X", "LABEL_Y", "POP_EST"],
        read_geometry=False,
    )
    attrs["iso3"] = [
        matcher.code(c) or matcher.code(a)
        for c, a in zip(attrs["ISO_A3_EH"], attrs["ADM0_A3"], strict=True)
    ]
    # Where several units share a code (Australia and its islets), keep the most populous.
    attrs = (
        attrs.dropna(subset=["iso3"])
        .sort_values("POP_EST", ascending=False)
        .drop_duplicates("iso3")
    )
    return attrs.rename(columns={"LABEL_X": "lon", "LABEL_Y": "lat"})[["iso3", "lon", "lat"]]


def _read_curated(curated: Path, name: str, known: set[str]) -> pd.DataFrame:
    df = pd.read_csv(curated / name, dtype=str, keep_default_na=False)
    assert_known_iso3(df, known, name)
    return df.replace({"": None})


# Business regions as an export team uses them, from the UN sub-region; the exceptions follow how
# Taiwan's trade promotion groups markets (Iran and Türkiye with the Middle East; the Caucasus, Central
# Asia and Cyprus with Europe).
_BY_SUBREGION = {
    "Eastern Asia": "East Asia",
    "South-eastern Asia": "Southeast Asia",
    "Southern Asia": "South Asia",
    "Western Asia": "Middle East",
    "Central Asia": "Europe",
}
_BY_REGION = {"Europe": "Europe", "Americas": "Americas", "Africa": "Africa", "Oceania": "Oceania"}
_BUSINESS_EXCEPTIONS = {"IRN": "Middle East", "ARM": "Europe", "AZE": "Europe", "GEO": "Europe",
                        "CYP": "Europe"}  # fmt: skip


def business_region(iso3: str, region: str | None, subregion: str | None) -> str | None:
    """The business region of a country (None for Antarctica and the like)."""
    if iso3 in _BUSINESS_EXCEPTIONS:
        return _BUSINESS_EXCEPTIONS[iso3]
    return _BY_SUBREGION.get(subregion or "") or _BY_REGION.get(region or "")


def build_country_tables(raw: Path, curated: Path, *, min_sovereign: int = 190) -> CountryTables:
    """Load, process and check every country-keyed table."""
    codes = _read_country_codes(raw)
    base = _base_countries(codes)
    names = _name_variants(codes, base)
    known = set(base["iso3"])
    matcher = CountryMatcher(names, known)

    income = _income_groups(raw, known)
    points = _label_points(raw, matcher)

    ec = _read_curated(curated, "us_export_control_groups.csv", known)
    ec = ec.rename(columns={"group": "group_code"})
    ec["status"] = (
        ec["notes"].fillna("").str.extract(r"^(DERIVED|CONFLICT)", expand=False).fillna("listed")
    )
    tiers = _read_curated(curated, "ai_diffusion_tiers.csv", known)
    blocs = _read_curated(curated, "blocs.csv", known)
    blocs["exited"] = (
        blocs["notes"].fillna("").str.extract(r"EXITED on (\d{4}-\d{2}-\d{2})", expand=False)
    )
    blocs["disputed"] = blocs["notes"].fillna("").str.contains("DISPUTED")
    relations = _read_curated(curated, "taiwan_relations.csv", known)
    timeline = pd.read_csv(
        curated / "ai_action_plan_timeline.csv", dtype=str, keep_default_na=False
    ).replace({"": None})

    countries = base.merge(income, on="iso3", how="left").merge(points, on="iso3", how="left")
    current_ec = ec[ec["effective_to"].isna()]
    groups = current_ec.groupby("iso3")["group_code"].apply(lambda s: ";".join(sorted(set(s))))
    countries["export_control_groups"] = countries["iso3"].map(groups)
    countries["ai_diffusion_tier"] = countries["iso3"].map(tiers.set_index("iso3")["tier"])
    active = blocs[blocs["exited"].isna() & ~blocs["disputed"]]
    for bloc in BLOCS:
        members = set(active.loc[active["bloc"] == bloc, "iso3"])
        countries[f"bloc_{bloc.lower()}"] = countries["iso3"].isin(members)
    for rel in ("diplomatic_ally", "new_southbound_policy"):
        members = set(relations.loc[relations["relation"] == rel, "iso3"])
        countries[rel] = countries["iso3"].isin(members)
    countries["home"] = countries["iso3"].eq("TWN")
    countries["business_region"] = [
        business_region(i, r, s)
        for i, r, s in zip(
            countries["iso3"], countries["region"], countries["subregion"], strict=True
        )
    ]
    countries = countries.sort_values("iso3").reset_index(drop=True)

    _check_countries(countries, min_sovereign)
    return CountryTables(
        countries=countries,
        names=names,
        export_controls=ec.sort_values(["iso3", "group_code"]).reset_index(drop=True),
        diffusion_tiers=tiers.sort_values("iso3").reset_index(drop=True),
        blocs=blocs.sort_values(["bloc", "iso3"]).reset_index(drop=True),
        taiwan_relations=relations.sort_values(["relation", "iso3"]).reset_index(drop=True),
        timeline=timeline.sort_values(["date", "event"]).reset_index(drop=True),
        harmonised=[],
    )


def _check_countries(countries: pd.DataFrame, min_sovereign: int) -> None:
    assert_unique(countries, ["iso3"], "countries")
    sovereign = int(countries["sovereign"].sum())
    if sovereign < min_sovereign:
        raise IngestError(
            f"countries: only {sovereign} sovereign countries; expected at least {min_sovereign}"
        )
    assert_no_aggregates(countries["name_en"], "countries")
    for iso3, zh in {"TWN": "台灣", "CHN": "中國", "KOR": "南韓", "USA": "美國"}.items():
        got = countries.loc[countries["iso3"] == iso3, "name_zh_tw"].tolist()
        if got and got != [zh]:
            raise IngestError(f"countries: short Chinese name for {iso3} should be {zh}, got {got}")
    no_income = countries[countries["sovereign"] & countries["income_group"].isna()]
    if len(no_income) > 3:  # Holy See, and Taiwan/Kosovo are covered by CLASS
        raise IngestError(
            "countries: sovereign countries without income group",
            rows=no_income[["iso3"]].to_dict("records"),
        )


def load_matcher(datasets: Path) -> CountryMatcher:
    """A matcher over the built `countries` and `country_names` tables."""
    countries = pd.read_parquet(datasets / "countries.parquet", columns=["iso3"])
    names = pd.read_parquet(datasets / "country_names.parquet")
    return CountryMatcher(names, countries["iso3"])
