"""The typer application every command module registers on."""

from __future__ import annotations

import sys
from typing import NoReturn

import typer

app = typer.Typer(
    name="eventx",
    help="Find attacks, strikes, condemnations and statements in news articles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print an error to stderr and exit non-zero (no traceback: the message says it all)."""
    typer.echo(f"eventx: error: {message}", err=True)
    raise typer.Exit(code)


def note(message: str) -> None:
    """Print a note for the user to stderr, keeping stdout clean for JSON lines."""
    print(f"eventx: {message}", file=sys.stderr)
