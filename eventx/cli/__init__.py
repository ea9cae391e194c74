"""Command line: ``eventx extract | evaluate | train | calibrate | validate``.

One module per command, each registering itself on the shared typer app.
"""

from __future__ import annotations

from eventx.cli import calibrate, evaluate, extract, train, validate  # noqa: F401  (registers commands)
from eventx.cli._app import app


def main() -> None:
    """Console-script entry point."""
    app()


__all__ = ["app", "main"]
