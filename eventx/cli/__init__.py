"""Command line: ``eventx extract | evaluate | train | calibrate | soup | validate``.

One module per command, each registering itself on the shared typer app.
"""

from __future__ import annotations

from eventx.cli import (  # noqa: F401  (registers commands)
    calibrate,
    evaluate,
    extract,
    soup,
    train,
    validate,
)
from eventx.cli._app import app


def main() -> None:
    """Console-script entry point."""
    app()


__all__ = ["app", "main"]
