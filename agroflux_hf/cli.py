"""The ``agroflux`` command line: ``agroflux data ...``, ``train``, ``evaluate``, ``benchmark``, ``publish``, ``card``.

The entry point only: each command lives in its own module of :mod:`agroflux_hf.commands`
(``register(subparsers)`` adds its parser and handler); this file wires them together, in the
order of ``commands.COMMANDS``, and owns what every command shares: ``--version``, ``-q`` (only
warnings and errors, no progress bars, ours or those of datasets, transformers and huggingface_hub),
``-v`` (debug logging, and a traceback for every error), defaults shown in every ``--help``,
glibc's malloc set to keep freed memory (:mod:`agroflux_hf.allocator`, ``AGROFLUX_MALLOC=default`` opts
out), and user errors (a missing file, an unknown model or config, a bad checkpoint: any
:class:`~agroflux_hf.errors.AgroFluxError`) printed as one line naming the problem, exit status 1.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from agroflux_hf import __version__
from agroflux_hf.allocator import keep_freed_memory
from agroflux_hf.commands import COMMANDS
from agroflux_hf.errors import AgroFluxError
from agroflux_hf.progress import QUIET_ENV

USER_ERRORS: tuple[type[BaseException], ...] = (
    AgroFluxError,
    FileNotFoundError,
    FileExistsError,
    NotADirectoryError,
    IsADirectoryError,
    PermissionError,
)
"""Errors that describe the user's input, not a bug: one line and exit 1 instead of a traceback."""

QUIET_ENVIRONMENT: dict[str, str] = {
    QUIET_ENV: "1",  # every tqdm bar, ours included (agroflux_hf.progress honours it)
    "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "DATASETS_VERBOSITY": "error",
}
"""What ``-q`` sets before any library is imported (the libraries read these at import)."""


def _register_group(target: argparse._SubParsersAction, modules: tuple[str, ...]) -> None:
    for name in modules:
        importlib.import_module(f"agroflux_hf.commands.{name}").register(target)
    for parser in target.choices.values():
        _show_defaults(parser)


class _DefaultsHelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Appends ``(default: ...)`` unless the help text already says what the default is."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.help and "(default:" in action.help:
            return action.help
        return super()._get_help_string(action)


def _show_defaults(parser: argparse.ArgumentParser) -> None:
    """``--help`` shows each option's default (its own subcommands too)."""
    parser.formatter_class = _DefaultsHelpFormatter
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _show_defaults(sub)


def build_parser() -> argparse.ArgumentParser:
    """The whole ``agroflux`` parser (imports only the light command modules, never torch)."""
    parser = argparse.ArgumentParser(
        prog="agroflux",
        description="Load, train, compare and publish models of farmland carbon and nitrogen fluxes "
        "(AgroFlux). Every command has its own --help.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    chatter = parser.add_mutually_exclusive_group()
    chatter.add_argument("-v", "--verbose", action="store_true", help="debug logging; tracebacks on errors")
    chatter.add_argument(
        "-q", "--quiet", action="store_true", help="warnings and errors only, no progress bars"
    )
    top = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group, modules in COMMANDS.items():
        if group is None:
            _register_group(top, modules)
            continue
        group_parser = top.add_parser(group, help=f"{group} commands")
        group_parser.set_defaults(func=lambda _args, p=group_parser: (p.print_help(), 2)[1])
        _register_group(group_parser.add_subparsers(dest=f"{group}_command", metavar="COMMAND"), modules)
    return parser


def _be_quiet(args: argparse.Namespace) -> None:
    """Silence progress bars everywhere: ours through ``--no-progress``, the libraries' through the
    environment they read when imported (nothing heavy is imported before this runs)."""
    os.environ.update(QUIET_ENVIRONMENT)
    if hasattr(args, "no_progress"):
        args.no_progress = True
    for module in ("datasets", "transformers", "huggingface_hub"):
        if module in sys.modules:  # imported already (e.g. by a caller of main()): tell it directly
            _disable_library_bars(module)


def _disable_library_bars(module: str) -> None:
    if module == "datasets":
        import datasets

        datasets.disable_progress_bars()
    elif module == "transformers":
        import transformers

        transformers.utils.logging.disable_progress_bar()
    else:
        from huggingface_hub.utils import disable_progress_bars  # the package imports submodules lazily

        disable_progress_bars()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # the command as given, for reports
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if args.quiet:
        _be_quiet(args)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    keep_freed_memory()  # before any large tensor, and before workers are spawned (they inherit it)
    try:
        return int(args.func(args) or 0)
    except Exception as err:
        if args.verbose or not is_user_error(err):
            raise
        print(f"agroflux {_command_name(args)}: error: {_one_line(err)}", file=sys.stderr)
        return 1


def is_user_error(err: BaseException) -> bool:
    """An error about the user's input (one line, exit 1), not a bug (a traceback): USER_ERRORS, or a
    model config value of the wrong type (huggingface_hub's strict dataclass check, e.g.
    ``--model-override hidden_size=abc``; imported here, not at start, so that the quiet environment is
    set before huggingface_hub reads it)."""
    if isinstance(err, USER_ERRORS):
        return True
    errors = sys.modules.get("huggingface_hub.errors")
    return errors is not None and isinstance(err, errors.StrictDataclassError)


def _command_name(args: argparse.Namespace) -> str:
    group = getattr(args, "command", None) or ""
    sub = getattr(args, f"{group}_command", None)
    return f"{group} {sub}" if sub else group


def _one_line(err: BaseException) -> str:
    """The error's message on one line (``KeyError`` quotes its message; strip that)."""
    text = err.args[0] if isinstance(err, KeyError) and len(err.args) == 1 else str(err)
    return " ".join(str(text).split()) or type(err).__name__


if __name__ == "__main__":
    sys.exit(main())
