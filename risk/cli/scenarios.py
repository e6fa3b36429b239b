"""Command line for scenarios and allocation: `scenario` and `allocate`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import pandas as pd

from risk.cells import csv_text
from risk.cli.scoring import _add_spec_options, _json_default, _records, spec_from_args
from risk.present.scenarios import allocation_reasons
from risk.scenarios.allocation import Limits, allocate
from risk.scenarios.kinds import KINDS, SEPARATOR, parse_scenarios
from risk.scenarios.runs import movers, run
from risk.scenarios.shortlist import allocation_inputs, top_eligible
from risk.scoring.engine import engine_for
from risk.store import open_store


def _kinds_help() -> str:
    lines = []
    for kind in KINDS.values():
        params = ", ".join(
            f"{p.name}" + ("" if p.required else f"={p.default}" if p.default is not None else "?")
            for p in kind.params
        )
        lines.append(f"{kind.name}({params})")
    return "; ".join(lines)


def cmd_scenario(args: argparse.Namespace) -> int:

    scenarios = parse_scenarios(args.names)
    result = run(engine_for(open_store()), spec_from_args(args), scenarios)
    for w in result.after.warnings:
        print(f"warning: {w}", file=sys.stderr)
    base_cols = [c for c in result.table.columns if c in result.after.table.columns]
    table = result.table[[*base_cols, "rank_before", "rank_change"]]
    if args.format == "json":
        text = json.dumps(
            {
                "scenarios": [s.to_text() for s in scenarios],
                "notes": list(result.notes),
                "spec": result.after.spec.to_dict(),
                "data_version": result.after.spec.data_version,
                "movers": _records(movers(result.table, args.movers)),
                "rows": _records(result.table),
            },
            ensure_ascii=False,
            default=_json_default,
            indent=1,
        )
        print(text)
    else:
        sys.stdout.write(csv_text(table, float_format="%.6g"))
    return 0


def limits_from_args(args: argparse.Namespace) -> Limits:
    return Limits(
        max_share=args.max_share,
        max_region_share=args.max_region_share,
        min_financial=args.min_financial,
        tail=args.tail,
        risk_aversion=args.risk_aversion,
        min_tail_score=args.min_tail_score,
        min_markets=args.min_markets,
        min_stake=args.min_stake,
    )


def cmd_allocate(args: argparse.Namespace) -> int:

    eng = engine_for(open_store())
    spec = spec_from_args(args)
    scenarios = parse_scenarios(args.stress or [])
    if args.shortlist:
        shortlist = [c.strip().upper() for c in args.shortlist.split(",") if c.strip()]
    else:
        table = eng.score(spec.replace(mc_draws=0), monte_carlo=False).table
        shortlist = top_eligible(table, args.top)
    inputs = allocation_inputs(eng, spec, scenarios, shortlist, args.draws)
    result = allocate(
        inputs.draws,
        args.budget,
        inputs.iso3,
        eligible=inputs.eligible,
        regions=inputs.regions,
        financial=inputs.financial,
        states=inputs.states,
        limits=limits_from_args(args),
    )
    excluded = {**result.excluded, **{c: inputs.reason_text(c) for c in inputs.reasons}}
    if args.format == "json":
        out: dict[str, Any] = result.to_dict()
        out["excluded"] = {c: excluded[c] for c in result.iso3 if c in excluded}
        out["scenarios"] = [s.to_text() for s in scenarios]
        out["draws_per_state"] = int(inputs.draws.shape[0] // max(len(result.by_state), 1))
        out["data_version"] = eng.data_version
        print(json.dumps(out, ensure_ascii=False, default=_json_default, indent=1))
        return 0
    frame = result.frame()
    frame["region"] = list(inputs.regions)
    frame["financial"] = inputs.financial
    frame["excluded"] = [excluded.get(c, "") for c in result.iso3]
    frame = frame.sort_values("amount", ascending=False, kind="stable")
    print(frame.to_string(index=False, float_format=lambda v: f"{v:,.4g}"))
    summary = pd.Series(
        {
            "budget": result.budget,
            "expected_score": result.expected_score,
            f"tail_score (worst {result.limits.tail:.0%})": result.tail_score,
            f"worst_case ({result.worst_state})": result.worst_case,
        }
    )
    print()
    print(summary.to_string(float_format=lambda v: f"{v:,.4g}"))
    if result.binding:
        print(f"binding: {', '.join(result.binding)}")
    print()
    first, *reasons = allocation_reasons(result, "en", str)
    print(first)
    for line in reasons:
        print(f"- {line}")
    return 0


def register(subparsers: Any) -> None:
    """Add the `scenario` and `allocate` commands."""
    p = subparsers.add_parser(
        "scenario",
        help="score every country under scenarios and show rank changes",
        description=f"Scenarios, applied in order: {_kinds_help()}. Write parameters as "
        "NAME:key=value,key=value; targets are ISO3 codes joined by +, a region, a bloc or all.",
    )
    p.add_argument("names", nargs="+", metavar="NAME", help="e.g. diffusion-tiers")
    _add_spec_options(p)
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.add_argument("--movers", type=int, default=10, help="biggest movers listed in JSON")
    p.set_defaults(func=cmd_scenario)

    a = subparsers.add_parser(
        "allocate",
        help="split a budget across a shortlist by mean-CVaR under risk limits",
    )
    a.add_argument("--shortlist", help="ISO3 codes, comma-separated (default: the top N)")
    a.add_argument("--top", type=int, default=8, help="top N eligible when no shortlist is given")
    a.add_argument("--budget", type=float, required=True)
    a.add_argument("--max-share", type=float, default=Limits.max_share, help="per country")
    a.add_argument("--max-region-share", type=float, default=Limits.max_region_share)
    a.add_argument("--min-financial", type=float, default=Limits.min_financial)
    a.add_argument("--tail", type=float, default=Limits.tail, help="CVaR tail share of draws")
    a.add_argument("--risk-aversion", type=float, default=Limits.risk_aversion, help="0..1")
    a.add_argument("--min-tail-score", type=float, default=None)
    a.add_argument(
        "--min-markets",
        type=int,
        default=Limits.min_markets,
        help="fund at least this many markets, each with at least --min-stake",
    )
    a.add_argument(
        "--min-stake",
        type=float,
        default=Limits.min_stake,
        help="least share of the budget a market counts with (with --min-markets)",
    )
    a.add_argument(
        "--stress",
        action="append",
        help=f"scenario to weigh against today (repeatable, or joined by {SEPARATOR!r})",
    )
    a.add_argument("--draws", type=int, default=None, help="robustness draws per scenario")
    _add_spec_options(a)
    a.add_argument("--format", choices=("table", "json"), default="table")
    a.set_defaults(func=cmd_allocate)
