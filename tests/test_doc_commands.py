"""Every ``agroflux`` command the documentation shows parses with the real CLI parser.

The README, the docs, the committed benchmark README, the card templates, the shipped cards and the
hints in messages are where users copy commands from; a renamed flag or subcommand must fail here
rather than in a user's terminal.
"""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from agroflux_hf.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = (
    ROOT / "README.md",
    ROOT / "benchmarks" / "paper" / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    *sorted((ROOT / "agroflux_hf" / "templates").glob("*.md")),
    *sorted((ROOT / "agroflux_hf" / "checkpoints").glob("*/README.md")),
)
CODE_BLOCK = re.compile(r"```[a-z]*\n(.*?)```", flags=re.S)
INLINE_CODE = re.compile(r"(?<!`)`(agroflux [^`]+)`(?!`)")


def _commands_in_block(block: str) -> list[str]:
    """Shell lines of a code block with backslash continuations joined, each cut at ``&&`` or ``|``."""
    joined = re.sub(r"\\\n\s*", " ", block)
    commands = []
    for line in joined.splitlines():
        for part in re.split(r"&&|\|\|?|;", line):
            part = part.strip()
            if part.startswith("agroflux "):
                commands.append(part)
    return commands


def _inline_commands(text: str) -> list[str]:
    """Inline `agroflux ...` spans naming a command (a colon after the command is a quoted error message)."""
    return [c for c in INLINE_CODE.findall(text) if not re.match(r"agroflux [\w -]+:", c)]


def documented_commands() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(document, command) pairs: whole commands of code blocks, and inline mentions in the prose."""
    blocks: list[tuple[str, str]] = []
    inline: list[tuple[str, str]] = []
    for path in DOCUMENTS:
        if not path.exists():
            continue
        text, name = path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix()
        for block in CODE_BLOCK.findall(text):
            blocks += [(name, c) for c in _commands_in_block(block)]
        inline += [(name, c) for c in _inline_commands(CODE_BLOCK.sub("", text))]
    for path in sorted([*(ROOT / "agroflux_hf").rglob("*.py"), *(ROOT / "scripts").glob("*.py")]):
        if "hub_code" not in path.parts:  # generated from the package's own files
            inline += [
                (path.relative_to(ROOT).as_posix(), c) for c in _inline_commands(path.read_text("utf-8"))
            ]
    return blocks, inline


def _subparser_of(words: list[str]) -> tuple[argparse.ArgumentParser, list[str]]:
    """The parser of the command ``words`` names (``data export`` -> its own parser) and the words left."""
    parser = build_parser()
    words = list(words)
    while words:
        actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not actions or words[0] not in actions[0].choices:
            break
        parser = actions[0].choices[words.pop(0)]
    return parser, words


COMMANDS, MENTIONS = documented_commands()


def test_the_documentation_shows_commands_of_every_group() -> None:
    """Guards the extraction itself: a regex that finds nothing would make the tests below vacuous."""
    words = {w for _, c in COMMANDS for w in shlex.split(c, comments=True)[1:3]}
    assert {"train", "evaluate", "benchmark", "data", "card", "publish"} <= words
    assert len(COMMANDS) >= 20 and len(MENTIONS) >= 10


@pytest.mark.parametrize(("document", "command"), COMMANDS, ids=[f"{d}:{c[:60]}" for d, c in COMMANDS])
def test_documented_command_parses(document: str, command: str) -> None:
    argv = shlex.split(command, comments=True)[1:]
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        pytest.fail(f"{document}: `{command}` is refused by the CLI parser (exit {exit_.code})")
    assert getattr(args, "func", None) is not None, f"{document}: `{command}` names no command"


def _flags_unknown_to(command: str) -> tuple[str, list[str]]:
    """The parser's name and the flags of ``command`` it has no exact option for (argparse would accept
    an abbreviation such as ``--keep-model``; documentation should spell the option out)."""
    tokens = [
        t for t in shlex.split(command, comments=True)[1:] if t not in ("-q", "-v", "--quiet", "--verbose")
    ]
    parser, _ = _subparser_of([t for t in tokens if not t.startswith("-")])
    known = {option for action in parser._actions for option in action.option_strings}
    return parser.prog, [
        t.split("=")[0] for t in tokens if t.startswith("--") and t.split("=")[0] not in known
    ]


@pytest.mark.parametrize(("document", "command"), COMMANDS, ids=[f"{d}:{c[:60]}" for d, c in COMMANDS])
def test_documented_command_spells_every_flag_out(document: str, command: str) -> None:
    prog, unknown = _flags_unknown_to(command)
    assert not unknown, f"{document}: `{command}` uses {unknown}, which `{prog}` does not have"


@pytest.mark.parametrize(("document", "mention"), MENTIONS, ids=[f"{d}:{c[:60]}" for d, c in MENTIONS])
def test_command_named_in_the_prose_exists_with_its_flags(document: str, mention: str) -> None:
    """An inline mention may leave out required arguments, but its command and every flag must exist."""
    prog, unknown = _flags_unknown_to(mention)
    words = [t for t in shlex.split(mention, comments=True)[1:] if not t.startswith("-")]
    assert prog != "agroflux" or not words, f"{document}: `{mention}` names no agroflux command"
    assert not unknown, f"{document}: `{mention}` uses {unknown}, which `{prog}` does not have"


def test_a_renamed_flag_is_caught() -> None:
    """The checks above can fail: an unknown flag exits with an error, an abbreviated one is named."""
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--task", "t1", "--no-such-flag"])
    assert _flags_unknown_to("agroflux benchmark --keep-model needed") == (
        "agroflux benchmark",
        ["--keep-model"],
    )
