"""The ``agroflux`` command line: ``agroflux data ...``, ``train``, ``evaluate``, ``benchmark``, ``publish``.

Each command lives in the module that does the work; that module exposes
``register_commands(subparsers)``, which adds its parsers and sets ``func`` to a callable taking the
parsed ``argparse.Namespace`` and returning an exit code. This file only wires them together.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

# group name (None = top level) -> modules that register commands in it
COMMAND_MODULES: dict[str | None, tuple[str, ...]] = {
    "data": (
        "agroflux_hf.data.export",
        "agroflux_hf.data.sources.flux_towers",
        "agroflux_hf.data.sources.dssat",
        "agroflux_hf.data.default",
        "agroflux_hf.data.publishing",
    ),
    None: (
        "agroflux_hf.training.commands",
        "agroflux_hf.benchmark",
        "agroflux_hf.publish",
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="agroflux", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    top = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group, modules in COMMAND_MODULES.items():
        if group is None:
            target = top
        else:
            group_parser = top.add_parser(group, help=f"{group} commands")
            target = group_parser.add_subparsers(dest=f"{group}_command", metavar="COMMAND")
            group_parser.set_defaults(func=lambda _args, p=group_parser: (p.print_help(), 2)[1])
        for name in modules:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as err:
                if err.name and (name == err.name or name.startswith(err.name + ".")):
                    continue  # not installed or not written yet: the command is simply absent
                raise
            module.register_commands(target)
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
