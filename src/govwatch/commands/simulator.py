"""``govwatch sim serve`` and ``govwatch sim export``: the simulated government websites (thin:
parse, call the simulator)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from govwatch.commands.common import EXIT_OK, console


def _options(args: argparse.Namespace) -> Any:
    """The simulator's options from --seed, --pages, --as-of and --variation."""
    from govwatch.sim import SimOptions

    return SimOptions(seed=args.seed, site_pages=args.pages, variation=args.variation,
                      as_of=date.fromisoformat(args.as_of) if args.as_of else None)


def cmd_sim_serve(args: argparse.Namespace) -> int:
    from govwatch.sim import serve

    serve(_options(args), port=args.port, manifest_path=args.manifest)
    return EXIT_OK


def cmd_sim_export(args: argparse.Namespace) -> int:
    from govwatch.sim import export_static

    summary = export_static(_options(args), args.site, Path(args.dir), args.origin)
    console.print(summary)
    return EXIT_OK


def add_sim_commands(sub: Any) -> None:
    """Register ``sim`` (serve, export) on the CLI's subparsers."""
    sim = sub.add_parser("sim", help="the simulated government websites").add_subparsers(dest="sim_command", required=True)
    p = sim.add_parser("serve", help="serve the simulated portfolio until Ctrl-C")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--pages", type=int, default=300, help="pages per site")
    p.add_argument("--port", type=int, default=8080, help="first port (default 8080)")
    p.add_argument("--as-of", help="date the content is generated around")
    p.add_argument("--manifest", help="write the ground-truth manifest here")
    _add_variation(p)
    p.set_defaults(func=cmd_sim_serve)
    p = sim.add_parser("export", help="write one simulated site as static files (for nginx benchmarks)")
    p.add_argument("--site", default="trs")
    p.add_argument("--dir", required=True)
    p.add_argument("--origin", default="http://127.0.0.1:8088", help="origin the files will be served from")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--pages", type=int, default=20000)
    p.add_argument("--as-of")
    _add_variation(p)
    p.set_defaults(func=cmd_sim_export)


def _add_variation(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--variation", type=_variation, default=0, metavar="N",
                        help="construction variation: 0 (default) the documented construction, "
                             "N >= 1 other constructions per site, by seed (docs/simulator.md)")


def _variation(text: str) -> int:
    """``--variation``: an integer 0 or more (argparse reports anything else as a usage error)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"须为整数，收到 {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"须为 0 或更大的整数，收到 {value}")
    return value
