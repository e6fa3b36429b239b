"""Command-line entry: `python -m risk <command>`.

One module per command group; each exposes `register(subparsers)`, which adds its parsers and sets
`func` on each (a callable taking the parsed arguments and returning an exit code). The groups are
listed in COMMAND_GROUPS, in help order; nothing registers itself on import.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from risk.cli import build, data, export, scenarios, scoring, store
from risk.errors import RiskError

# Command groups, in help order.
COMMAND_GROUPS = (build, scoring, data, scenarios, export, store)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m risk", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except RiskError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader stopped early (`| head`): not an error; keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
