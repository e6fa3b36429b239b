"""World Bank readers: World Development Indicators (34 series) and Worldwide Governance Indicators."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from risk.errors import IngestError
from risk.harmonise import CountryMatcher
from risk.ingest.common import require_columns
from risk.ingest.obs_common import SourceResult, entry, finish, match_codes, parse_numbers

# code -> (Traditional Chinese name, higher_is). The English name and definition come from the
# series' datapackage.json; only what the file cannot tell us is kept here.
WDI_META: dict[str, tuple[str, str]] = {
    "bn.cab.xoka.cd": ("經常帳餘額（國際收支，現價美元）", "better"),
    "bx.klt.dinv.cd.wd": ("外人直接投資淨流入（國際收支，現價美元）", "better"),
    "dt.dod.dect.gn.zs": ("外債存量（占國民所得毛額百分比）", "worse"),
    "dt.tds.dect.ex.zs": ("外債還本付息總額（占出口與初級所得百分比）", "worse"),
    "eg.elc.accs.zs": ("電力普及率（占人口百分比）", "better"),
    "eg.elc.rnew.zs": ("再生能源發電占比（占總發電量百分比）", "better"),
    "eg.use.elec.kh.pc": ("人均用電量（度）", "better"),
    "fi.res.totl.cd": ("外匯存底總額（含黃金，現價美元）", "better"),
    "fp.cpi.totl.zg": ("通貨膨脹率（消費者物價年增率）", "worse"),
    "fr.inr.lend": ("放款利率", "worse"),
    "fr.inr.risk": ("放款風險溢酬（放款利率減國庫券利率）", "worse"),
    "gb.xpd.rsdv.gd.zs": ("研究發展支出（占國內生產毛額百分比）", "better"),
    "gc.dod.totl.gd.zs": ("中央政府債務總額（占國內生產毛額百分比）", "worse"),
    "gc.nld.totl.gd.zs": ("政府淨貸出／淨借入（占國內生產毛額百分比）", "better"),
    "ic.elc.outg.zs": ("曾遭遇停電的企業比例", "worse"),
    "ie.ppn.icti.cd": ("資通訊公私協力投資（現價美元）", "better"),
    "ip.pat.resd": ("本國居民專利申請件數", "better"),
    "it.cel.sets.p2": ("行動電話用戶數（每百人）", "better"),
    "it.net.bbnd.p2": ("固定寬頻用戶數（每百人）", "better"),
    "it.net.secr.p6": ("安全網際網路伺服器（每百萬人）", "better"),
    "lp.lpi.ovrl.xq": ("物流績效指數：總分", "better"),
    "ne.exp.gnfs.zs": ("商品與服務出口（占國內生產毛額百分比）", "context"),
    "ne.imp.gnfs.zs": ("商品與服務進口（占國內生產毛額百分比）", "context"),
    "ny.gdp.mktp.cd": ("國內生產毛額（現價美元）", "better"),
    "ny.gdp.mktp.kd.zg": ("經濟成長率（國內生產毛額年增率）", "better"),
    "ny.gdp.pcap.cd": ("人均國內生產毛額（現價美元）", "better"),
    "ny.gdp.pcap.pp.cd": ("人均國內生產毛額（購買力平價，現價國際元）", "better"),
    "ny.gnp.pcap.cd": ("人均國民所得毛額（Atlas 法，現價美元）", "better"),
    "pa.nus.fcrf": ("官方匯率（每美元兌本國貨幣，期間平均）", "context"),
    "se.ter.enrr": ("高等教育毛入學率", "better"),
    "sp.pop.scie.rd.p6": ("研究發展人員（每百萬人）", "better"),
    "sp.pop.totl": ("總人口", "context"),
    "tx.val.tech.cd": ("高科技產品出口（現價美元）", "better"),
    "tx.val.tech.mf.zs": ("高科技產品出口（占製造業出口百分比）", "better"),
}

# Titles whose last parenthesis is not a unit (or that have none).
WDI_UNIT_OVERRIDES = {
    "dt.tds.dect.ex.zs": "% of exports of goods, services and primary income",
    "fi.res.totl.cd": "current US$",
    "bn.cab.xoka.cd": "current US$",
    "bx.klt.dinv.cd.wd": "current US$",
    "fr.inr.risk": "percentage points",
    "ip.pat.resd": "applications",
    "lp.lpi.ovrl.xq": "score 1-5",
    "sp.pop.totl": "people",
}

WGI_META: dict[str, tuple[str, str]] = {
    "va": ("Voice and Accountability", "言論自由與問責"),
    "pv": ("Political Stability and Absence of Violence/Terrorism", "政治穩定與無暴力"),
    "ge": ("Government Effectiveness", "政府效能"),
    "rq": ("Regulatory Quality", "法規品質"),
    "rl": ("Rule of Law", "法治"),
    "cc": ("Control of Corruption", "貪腐控制"),
}


def wdi_unit(code: str, title: str) -> str:
    """The unit of a WDI series: an override, else the last parenthesis of its title."""
    if code in WDI_UNIT_OVERRIDES:
        return WDI_UNIT_OVERRIDES[code]
    found = re.findall(r"\(([^()]*)\)", title)
    if not found:
        raise IngestError(f"wdi: no unit in the title of {code} ({title!r}); add an override")
    return found[-1].strip()


def read_wdi(raw: Path, matcher: CountryMatcher) -> SourceResult:
    """Every series folder under wdi/: long CSV (Country Name, Country Code, Year, Value)."""
    folder = raw / "wdi"
    series = sorted(p for p in folder.iterdir() if (p / "data.csv").is_file())
    if not series:
        raise IngestError(f"wdi: no <code>/data.csv folders under {folder}")
    frames: list[pd.DataFrame] = []
    catalogue: list[dict[str, str]] = []
    for path in series:
        code = path.name
        if code not in WDI_META:
            raise IngestError(f"wdi: series {code} has no Chinese name in WDI_META; add one")
        meta = json.loads((path / "datapackage.json").read_text(encoding="utf-8"))
        title = str(meta.get("title", "")).strip()
        if not title:
            raise IngestError(f"wdi: {path / 'datapackage.json'} has no title")
        df = pd.read_csv(path / "data.csv", dtype=str, keep_default_na=False)
        require_columns(df, ["Country Name", "Country Code", "Year", "Value"], f"wdi/{code}")
        frames.append(
            pd.DataFrame(
                {
                    "code": df["Country Code"],
                    "name": df["Country Name"],
                    "indicator": f"wdi.{code}",
                    "year": parse_numbers(df["Year"], f"wdi/{code} Year"),
                    "value": parse_numbers(df["Value"], f"wdi/{code} Value"),
                }
            )
        )
        name_zh, higher_is = WDI_META[code]
        definition = str(meta.get("readme") or "").strip()
        catalogue.append(
            entry(
                f"wdi.{code}",
                title,
                name_zh,
                wdi_unit(code, title),
                "wdi",
                f"World Bank WDI series {code.upper()}. {definition}".strip(),
                higher_is,
            )
        )
    long = pd.concat(frames, ignore_index=True)
    # WDI codes are ISO3 except the World Bank aggregates (WLD, HIC, EUU, ...) and CHI.
    kept, harmonised = match_codes(long, "code", "name", "wdi", matcher)
    return SourceResult(finish(kept, "wdi"), catalogue, harmonised)


def read_wgi(raw: Path, matcher: CountryMatcher) -> SourceResult:
    """WGI estimates from the xlsx (the csv rounds to 2 decimals); old codes mapped, ANT dropped."""
    path = raw / "wgi" / "wgidataset.xlsx"
    df = pd.read_excel(path, dtype={"code": str, "countryname": str, "indicator": str})
    require_columns(df, ["code", "countryname", "year", "indicator", "estimate"], "wgi")
    unknown = sorted(set(df["indicator"].dropna()) - set(WGI_META))
    if unknown:
        raise IngestError(f"wgi: unknown indicator codes {unknown}")
    df["value"] = parse_numbers(df["estimate"], "wgi estimate")
    df["year"] = parse_numbers(df["year"], "wgi year")
    df["indicator"] = "wgi." + df["indicator"]
    # ADO/ROM/TMP/ZAR/WBG/KSV resolve through the alias file; ANT (a former territory) does not.
    kept, harmonised = match_codes(df, "code", "countryname", "wgi", matcher)
    present = set(kept["indicator"])  # catalogue rows only for indicators the file holds
    catalogue = [
        entry(
            f"wgi.{code}",
            name_en,
            name_zh,
            "estimate (standard normal, about -2.5 to 2.5)",
            "wgi",
            f"Worldwide Governance Indicators, {name_en}: point estimate of the governance score "
            "on a standard-normal scale (higher is better). Data years 1996, 1998, 2000, "
            "2002-2023.",
            "better",
        )
        for code, (name_en, name_zh) in WGI_META.items()
        if f"wgi.{code}" in present
    ]
    return SourceResult(finish(kept, "wgi"), catalogue, harmonised)
