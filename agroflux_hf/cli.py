"""The ``agroflux`` command line: ``agroflux data ...``, ``train``, ``evaluate``, ``benchmark``, ``publish``.

The entry point only: each command lives in its own module of :mod:`agroflux_hf.commands`
(``register(subparsers)`` adds its parser and handler); this file wires them together, in the
order of ``commands.COMMANDS``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from agroflux_hf.commands import COMMANDS


def _register_group(target: argparse._SubParsersAction, modules: tuple[str, ...]) -> None:
    for name in modules:
        importlib.import_module(f"agroflux_hf.commands.{name}").register(target)


def build_parser() -> argparse.ArgumentParser:
    """The whole ``agroflux`` parser (imports only the light command modules, never torch)."""
    parser = argparse.ArgumentParser(prog="agroflux", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    top = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group, modules in COMMANDS.items():
        if group is None:
            _register_group(top, modules)
            continue
        group_parser = top.add_parser(group, help=f"{group} commands")
        group_parser.set_defaults(func=lambda _args, p=group_parser: (p.print_help(), 2)[1])
        _register_group(group_parser.add_subparsers(dest=f"{group}_command", metavar="COMMAND"), modules)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
